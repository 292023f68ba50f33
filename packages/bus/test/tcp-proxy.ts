import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the real broker that can hold the broker's replies and cut connections,
 * to script faults a healthy local broker never shows (lost confirms, half-dead sockets).
 */
export interface TcpProxy {
  port: number;
  /** Stop forwarding broker → client bytes (they are buffered until release). */
  holdReplies(): void;
  releaseReplies(): void;
  /** Chunks of the broker's replies held so far: > 0 once the broker has answered something we hold back. */
  heldReplies(): number;
  /** Destroy every proxied connection, as a network cut would. */
  cut(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  let holding = false;
  const held: Array<() => void> = [];

  const server: Server = createServer((client) => {
    const upstream = createConnection(target);
    const pair = { client, upstream };
    pairs.add(pair);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (holding) held.push(() => client.write(chunk));
      else client.write(chunk);
    });
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    port: (server.address() as AddressInfo).port,
    holdReplies: () => {
      holding = true;
    },
    heldReplies: () => held.length,
    releaseReplies: () => {
      holding = false;
      for (const write of held.splice(0)) write();
    },
    cut: () => {
      held.length = 0;
      holding = false;
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const { client, upstream } of pairs) {
          client.destroy();
          upstream.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
