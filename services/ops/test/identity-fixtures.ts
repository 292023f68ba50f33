// Rows as identity-sync, subscribers and the notifier write them, for one person, so ops can be asked about
// them. The workers' own tests prove they write these shapes; here they are the input.
import { randomUUID } from 'node:crypto';
import type { PrismaClient } from '@identity-relay/db';
import type { OpsHarness } from './harness.js';

export const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

export interface SeededPerson {
  id: string;
  externalId: string;
  email: string;
  /** Source message ids: created, updated, stale. */
  messages: [string, string, string];
  notificationId: string;
  /** Message id of the dead letter about this person. */
  deadMessageId: string;
}

function canonical(externalId: string, email: string, role: string, at: string) {
  return {
    provider: 'kratos',
    externalId,
    email,
    username: null,
    emailVerified: false,
    state: 'active',
    traits: { email, role },
    sourceUpdatedAt: at,
  };
}

/** A Kratos identity created as a student, updated to educator, one stale update, a list membership, an email, an opt-out and a dead letter. */
export async function seedPerson(h: OpsHarness, email: string): Promise<SeededPerson> {
  const prisma: PrismaClient = h.prisma;
  const externalId = randomUUID();
  const id = randomUUID();
  const messages: [string, string, string] = [randomUUID(), randomUUID(), randomUUID()];
  const v1 = canonical(externalId, email, 'student', '2026-01-01T10:00:00.000Z');
  const v2 = canonical(externalId, email, 'educator', '2026-01-01T11:00:00.000Z');
  await prisma.identity.create({
    data: {
      id,
      provider: 'kratos',
      externalId,
      email,
      emailVerified: false,
      state: 'active',
      traits: v2.traits,
      sourceUpdatedAt: new Date(v2.sourceUpdatedAt),
      version: 2,
    },
  });
  const event = (i: number, version: number | null, type: string, payload: object) =>
    prisma.identityEvent.create({
      data: {
        id: randomUUID(),
        identityId: id,
        version,
        type,
        payload,
        sourceMessageId: messages[i]!,
        occurredAt: new Date(Date.parse('2026-01-01T10:00:00Z') + i * 3_600_000),
        createdAt: new Date(Date.parse('2026-01-01T10:00:01Z') + i * 3_600_000),
      },
    });
  await event(0, 1, 'identity.created', {
    identityId: id,
    change: 'created',
    identity: v1,
    previous: null,
    version: 1,
    traceparent: TRACEPARENT,
  });
  await event(1, 2, 'identity.updated', {
    identityId: id,
    change: 'updated',
    identity: v2,
    previous: v1,
    version: 2,
  });
  await event(2, null, 'identity.stale', { reason: 'stale', identity: v1 });
  // The seeded history is already published: the identity_events trigger enqueued its versioned rows, so their
  // identity_outbox rows are removed (what the relay does once IdentityChanged is confirmed).
  await prisma.$executeRaw`DELETE FROM identity_outbox
    WHERE event_id IN (SELECT id FROM identity_events WHERE identity_id = ${id}::uuid)`;
  await prisma.subscriber.create({
    data: { list: 'educators', email, identityId: id, subscribedAt: new Date('2026-01-01T11:00:02Z') },
  });
  const notificationId = randomUUID();
  await prisma.notification.create({
    data: {
      id: notificationId,
      topic: 'exams',
      list: 'educators',
      subject: 'Exam dates',
      requestedAt: new Date('2026-01-02T09:00:00Z'),
      recipients: 1,
      deliveries: {
        create: {
          email,
          status: 'sent',
          attempts: 1,
          messageId: `<${notificationId}.x@identity-relay>`,
          smtpMessageId: '250 2.0.0 Ok: queued as 4F2A1',
          sentAt: new Date('2026-01-02T09:00:05Z'),
        },
      },
    },
  });
  await prisma.subscriberOptOut.createMany({
    data: [
      {
        list: 'educators',
        email: email.toLowerCase(),
        method: 'one-click',
        optedOutAt: new Date('2026-01-03T08:00:00Z'),
      },
    ],
    skipDuplicates: true,
  });
  const deadMessageId = randomUUID();
  await h.archive.store({
    queue: 'subscribers.dead',
    content: Buffer.from(
      JSON.stringify({
        specversion: '1.0',
        id: deadMessageId,
        type: 'IdentityChanged',
        source: 'identity-sync',
        data: { identityId: id, change: 'updated', identity: v2, previous: v1, version: 2 },
      }),
    ),
    properties: { messageId: deadMessageId, type: 'IdentityChanged', headers: {} } as never,
    headers: {
      'x-error': `subscriber rule failed for ${email}`,
      'x-error-class': 'PermanentError',
      'x-attempts': 1,
      'x-dead-lettered-at': '2026-01-01T11:00:03.000Z',
      'x-original-exchange': 'identity.changes',
      'x-original-routing-key': 'identity.updated',
    },
    exchange: '',
    routingKey: 'subscribers.dead',
    redelivered: false,
  });
  return { id, externalId, email, messages, notificationId, deadMessageId };
}
