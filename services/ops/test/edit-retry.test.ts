// Edit & retry and replay lineage over the HTTP API: a real consumer on the real broker refuses a
// message, the archive stores it, an operator corrects and replays it; a replay that fails again is
// linked to the dead letter it came from, and the group shows the bulk replay's progress.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXCHANGES, PermanentError, QUEUES, type Consumer } from '@identity-relay/bus';
import { newCloudEvent } from '@identity-relay/contracts';
import { RETRY_DELAYS_MS, startOpsHarness, type OpsHarness } from './harness.js';
import { serveOpsApi, type ApiBody, type ApiCall } from './http-server.js';

const TOKEN = 'edit-retry-token-0123456789';
let h: OpsHarness;
let call: ApiCall;
let close: () => Promise<void>;
let consumer: Consumer;
const delivered: Array<{ id: string; subject: string }> = [];

function notification(subject: string) {
  return newCloudEvent({
    type: 'NotificationRequested',
    source: 'test',
    data: { topic: 'exams', list: 'educators', subject, text: 'Dates inside.' },
  });
}

async function publish(subject: string): Promise<ReturnType<typeof notification>> {
  const event = notification(subject);
  await h.bus.publish({
    exchange: EXCHANGES.notifications,
    routingKey: 'notification.exams',
    messageId: event.id,
    type: event.type,
    body: event,
  });
  return event;
}

async function deadLetterOf(messageId: string, count = 1): Promise<ApiBody[]> {
  for (let i = 0; i < 300; i++) {
    const res = await call('GET', `/api/dead-letters?messageId=${messageId}`);
    if (res.body.items.length >= count) return res.body.items;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no dead letter for ${messageId}`);
}

beforeAll(async () => {
  h = await startOpsHarness();
  // The notifier stand-in refuses subjects that say BROKEN, commits the others to its inbox.
  consumer = await h.bus.consume({
    queue: QUEUES.notifier,
    service: 'notifier-test',
    retryDelaysMs: RETRY_DELAYS_MS,
    handlers: {
      NotificationRequested: async (msg) => {
        const event = msg.body as { id: string; data: { subject: string } };
        if (event.data.subject.includes('BROKEN'))
          throw new PermanentError('subject refused by the template');
        await h.prisma.processedMessage.create({ data: { consumer: QUEUES.notifier, messageId: event.id } });
        delivered.push({ id: event.id, subject: event.data.subject });
      },
    },
  });
  ({ call, close } = await serveOpsApi(h.prisma, h.services, TOKEN));
});

afterAll(async () => {
  await consumer?.stop(1000);
  await close?.();
  await h?.dispose();
});

describe('edit & retry', () => {
  it('refuses a corrected body that breaks the schema or changes the id, publishing nothing', async () => {
    const event = await publish('BROKEN exam dates');
    const [dl] = await deadLetterOf(event.id);
    const noList = { ...event, data: { ...event.data, list: undefined, subject: 'Exam dates' } };
    const invalid = await call('POST', `/api/dead-letters/${dl.id}/replay`, { body: noList });
    expect(invalid.status).toBe(422);
    expect(invalid.body.code).toBe('invalid_message');
    expect(invalid.body.detail).toContain('list');
    const otherId = await call('POST', `/api/dead-letters/${dl.id}/replay`, {
      body: { ...event, id: 'another-id', data: { ...event.data, subject: 'Exam dates' } },
    });
    expect(otherId.status).toBe(422);
    expect(otherId.body.detail).toContain('idempotency key');
    expect(otherId.body.errors).toContainEqual({
      pointer: '/body/id',
      detail: expect.stringContaining('must stay'),
    });
    const detail = await call('GET', `/api/dead-letters/${dl.id}`);
    expect(detail.body).toMatchObject({ status: 'open', replayCount: 0, edits: [] });
    expect(delivered).toEqual([]);
  });

  it('replays the corrected message, and keeps the original, the diff and who edited it', async () => {
    const event = await publish('BROKEN results');
    const [dl] = await deadLetterOf(event.id);
    const fixed = { ...event, data: { ...event.data, subject: 'Results are out' } };
    const res = await call('POST', `/api/dead-letters/${dl.id}/replay`, { body: fixed });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('replayed');
    await expect
      .poll(() => delivered, { timeout: 15_000 })
      .toContainEqual({ id: event.id, subject: 'Results are out' });
    const detail = (await call('GET', `/api/dead-letters/${dl.id}`)).body;
    expect(detail.body.json.data.subject).toBe('BROKEN results');
    expect(detail.edits).toEqual([
      expect.objectContaining({
        actor: 'ops-token',
        diff: [
          { type: 'CHANGE', path: ['data', 'subject'], oldValue: 'BROKEN results', value: 'Results are out' },
        ],
      }),
    ]);
    expect(detail.lineage.outcome).toBe('processed');
    const audit = (await call('GET', `/api/audit?deadLetterId=${dl.id}`)).body.items;
    expect(audit[0]).toMatchObject({
      action: 'replay',
      detail: { edited: true, editId: detail.edits[0].id },
    });
  });
});

describe('replay lineage', () => {
  it('links a replay that fails again to its origin, whose status says so, and the group shows the progress', async () => {
    const event = await publish('BROKEN again');
    const [first] = await deadLetterOf(event.id);
    expect((await call('POST', `/api/dead-letters/${first.id}/replay`)).status).toBe(200);
    const copies = await deadLetterOf(event.id, 2);
    const again = copies.find((d: ApiBody) => d.id !== first.id);
    const detail = (await call('GET', `/api/dead-letters/${again.id}`)).body;
    expect(detail.lineage).toMatchObject({ replayedFromId: first.id, attempt: 1, outcome: null });
    const origin = (await call('GET', `/api/dead-letters/${first.id}`)).body;
    expect(origin.status).toBe('replayed');
    expect(origin.lineage).toMatchObject({
      outcome: 'failed-again',
      replays: [expect.objectContaining({ id: again.id })],
    });
    const groups = (await call('GET', '/api/dead-letters/groups?queue=notifier')).body.items;
    const group = groups.find((g: ApiBody) => g.fingerprint === first.fingerprint);
    // Three refused messages (one edited and processed, one failed again, one open) and the failed copy.
    expect(group.progress).toEqual({
      total: 4,
      open: 2,
      replayed: 2,
      discarded: 0,
      failedAgain: 1,
      processed: 1,
    });
  });
});
