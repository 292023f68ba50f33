import { randomUUID } from 'node:crypto';
import { EXCHANGES, QUEUES, type Bus, type OutgoingMessage } from '@identity-relay/bus';
import { MessageType, newCloudEvent, type NotificationRequestedData } from '@identity-relay/contracts';
import type { Ledger } from './ledger.js';
import { kratosIdentity, type UpdateItem } from './workload.js';

/** A message that can never be handled, and the work queue it reaches. */
interface Poison {
  queue: string;
  msg: OutgoingMessage;
}

const SOURCE = 'identity-relay/chaos';

/** Poison of every kind the consumers must dead-letter at once: unparseable, schema-invalid, unknown type. */
function poisonMessages(): Poison[] {
  const id = (): string => randomUUID();
  const envelope = (type: string, data: unknown) => ({
    specversion: '1.0',
    id: id(),
    source: SOURCE,
    type,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    data,
  });
  const kratos = { exchange: EXCHANGES.identityEvents, routingKey: 'kratos.identity.updated' };
  const changes = { exchange: EXCHANGES.identityChanges, routingKey: 'identity.updated' };
  const notify = { exchange: EXCHANGES.notifications, routingKey: 'notification.chaos' };
  return [
    {
      queue: QUEUES.identitySync,
      msg: {
        ...kratos,
        messageId: id(),
        type: MessageType.KratosIdentityUpdated,
        body: Buffer.from('{"not json'),
      },
    },
    {
      queue: QUEUES.identitySync,
      msg: {
        ...kratos,
        messageId: id(),
        type: MessageType.KratosIdentityUpdated,
        body: envelope(MessageType.KratosIdentityUpdated, { identity: { traits: {} } }),
      },
    },
    {
      queue: QUEUES.identitySync,
      msg: { ...kratos, messageId: id(), type: 'ChaosUnknownType', body: envelope('ChaosUnknownType', {}) },
    },
    {
      queue: QUEUES.subscribers,
      msg: {
        ...changes,
        messageId: id(),
        type: MessageType.IdentityChanged,
        body: envelope(MessageType.IdentityChanged, { version: 'x' }),
      },
    },
    {
      queue: QUEUES.notifier,
      msg: {
        ...notify,
        messageId: id(),
        type: MessageType.NotificationRequested,
        body: Buffer.from([0xff, 0xfe, 0x00]),
      },
    },
  ];
}

/** (default) How long a direct publish keeps retrying while the broker is away, in milliseconds. */
const PUBLISH_PATIENCE_MS = 180_000;

/** Publishes, retrying while the suite's own connection is down: the same faults cut it as the services'. */
async function publishPatiently(bus: Bus, msg: OutgoingMessage): Promise<void> {
  const deadline = Date.now() + PUBLISH_PATIENCE_MS;
  for (;;) {
    try {
      await bus.publish(msg);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Straight-to-the-exchange traffic: poison and duplicates of messages the services already received. */
export class DirectPublisher {
  /** `consumed`: the work queues some replica consumes; poison for the others would just sit there. */
  constructor(
    private readonly bus: Bus,
    private readonly ledger: Ledger,
    private readonly consumed: ReadonlySet<string>,
  ) {}

  /** `rounds` × one poison message per kind and consumed queue; returns how many were published. */
  async poison(rounds: number): Promise<number> {
    let count = 0;
    for (let r = 0; r < rounds; r++) {
      for (const p of poisonMessages().filter((m) => this.consumed.has(m.queue))) {
        await publishPatiently(this.bus, p.msg);
        this.ledger.direct.push({ messageId: p.msg.messageId, kind: 'poison', queue: p.queue });
        count++;
      }
    }
    return count;
  }

  /** A second KratosIdentityUpdated with an id the ingress already published (a redelivery from upstream). */
  async duplicateWebhook(messageId: string, item: UpdateItem): Promise<void> {
    const event = newCloudEvent({
      type: MessageType.KratosIdentityUpdated,
      id: messageId,
      source: SOURCE,
      subject: item.identity.id,
      data: { identity: kratosIdentity(item.identity, item.n) },
    });
    await publishPatiently(this.bus, {
      exchange: EXCHANGES.identityEvents,
      routingKey: 'kratos.identity.updated',
      messageId,
      type: event.type,
      body: event,
    });
    this.ledger.direct.push({ messageId, kind: 'duplicate', queue: QUEUES.identitySync });
  }

  /** A second IdentityChanged for an outbox row already published (the relay's crash window). */
  async duplicateChange(id: string, payload: { change: string }, occurredAt: Date): Promise<void> {
    const event = newCloudEvent({
      type: MessageType.IdentityChanged,
      id,
      source: SOURCE,
      time: occurredAt,
      data: payload,
    });
    await publishPatiently(this.bus, {
      exchange: EXCHANGES.identityChanges,
      routingKey: `identity.${payload.change}`,
      messageId: id,
      type: event.type,
      body: event,
    });
    this.ledger.direct.push({ messageId: id, kind: 'duplicate', queue: QUEUES.subscribers });
  }

  /** A second NotificationRequested with an accepted notification id. */
  async duplicateNotification(id: string, data: NotificationRequestedData): Promise<void> {
    const event = newCloudEvent({ type: MessageType.NotificationRequested, id, source: SOURCE, data });
    await publishPatiently(this.bus, {
      exchange: EXCHANGES.notifications,
      routingKey: `notification.${data.topic}`,
      messageId: id,
      type: event.type,
      body: event,
    });
    this.ledger.direct.push({ messageId: id, kind: 'duplicate', queue: QUEUES.notifier });
  }
}
