// Baseline server: raw node:http reading the body once, JSON.parse, answering 200. The floor under Express.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let subject: string | undefined;
    try {
      subject = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { identity?: { id?: string } })
        .identity?.id;
    } catch {
      res.writeHead(400).end();
      return;
    }
    const out = JSON.stringify({ id: randomUUID(), subject });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
    res.end(out);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.BENCH_PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : ''}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
