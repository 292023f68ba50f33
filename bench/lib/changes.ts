import { EXCHANGES } from '@identity-relay/bus';
import { connect, type ChannelModel } from 'amqplib';

/** Watches IdentityChanged on a private queue bound to identity.changes and calls back with each identity id. */
export interface ChangeWatcher {
  /** IdentityChanged received so far. */
  count(): number;
  close(): Promise<void>;
}

export async function watchChanges(
  url: string,
  onChange: (externalId: string, receivedAt: number) => void,
): Promise<ChangeWatcher> {
  const model: ChannelModel = await connect(url);
  const channel = await model.createChannel();
  const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
  await channel.bindQueue(queue, EXCHANGES.identityChanges, '#');
  let seen = 0;
  await channel.consume(
    queue,
    (msg) => {
      if (!msg) return;
      const receivedAt = Date.now();
      seen++;
      const event = JSON.parse(msg.content.toString('utf8')) as {
        data: { identity: { externalId: string } };
      };
      onChange(event.data.identity.externalId, receivedAt);
    },
    { noAck: true },
  );
  return {
    count: () => seen,
    close: async () => {
      await model.close().catch(() => undefined);
    },
  };
}
