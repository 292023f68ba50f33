// Identity search and timeline, dead-letter search by person, and the audit log, over the HTTP API
// against a real database and broker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { registerStateGauges } from '../src/index.js';
import { startOpsHarness, type OpsHarness } from './harness.js';
import { serveOpsApi, type ApiBody, type ApiCall } from './http-server.js';
import { seedPerson, TRACEPARENT, type SeededPerson } from './identity-fixtures.js';

const TOKEN = 'operators-api-token-0123456789';
let h: OpsHarness;
let call: ApiCall;
let close: () => Promise<void>;
let ada: SeededPerson;
let bob: SeededPerson;

beforeAll(async () => {
  h = await startOpsHarness();
  await h.archive.stop();
  ada = await seedPerson(h, 'Ada.Lovelace@school.example');
  bob = await seedPerson(h, 'bob@school.example');
  ({ call, close } = await serveOpsApi(h.prisma, h.services, TOKEN));
});

afterAll(async () => {
  await close?.();
  await h?.dispose();
});

describe('GET /api/identities', () => {
  it('finds an identity by email, case-insensitively, as {items} each with its id', async () => {
    const res = await call('GET', '/api/identities?email=ada.lovelace%40SCHOOL.example');
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({ id: ada.id, externalId: ada.externalId, provider: 'kratos' });
  });

  it('finds an identity by external id and provider, and by internal id', async () => {
    const byExternal = await call('GET', `/api/identities?externalId=${bob.externalId}&provider=kratos`);
    expect(byExternal.body.items.map((i: ApiBody) => i.id)).toEqual([bob.id]);
    const wrongProvider = await call(
      'GET',
      `/api/identities?externalId=${bob.externalId}&provider=authentik`,
    );
    expect(wrongProvider.body.items).toEqual([]);
    const byId = await call('GET', `/api/identities?id=${ada.id}`);
    expect(byId.body.items.map((i: ApiBody) => i.id)).toEqual([ada.id]);
  });

  it('refuses unknown keys, an empty search and a malformed id with 400, and no token with 401', async () => {
    expect((await call('GET', '/api/identities?mail=x')).status).toBe(400);
    const empty = await call('GET', '/api/identities');
    expect(empty.status).toBe(400);
    expect(empty.body.detail).toContain('give email');
    expect((await call('GET', '/api/identities?id=nope')).status).toBe(400);
    expect((await call('GET', '/api/identities?email=a%40b', undefined, { token: null })).status).toBe(401);
  });
});

describe('GET /api/identities/:id/timeline', () => {
  it('answers {identity, entries} in time order with every kind of entry about that person only', async () => {
    const res = await call('GET', `/api/identities/${ada.id}/timeline`);
    expect(res.status).toBe(200);
    expect(res.body.identity).toMatchObject({ id: ada.id, email: ada.email });
    const entries: ApiBody[] = res.body.entries;
    const ats = entries.map((e) => e.at);
    expect(ats).toEqual([...ats].sort());
    expect(entries.map((e) => e.kind)).toEqual([
      'message',
      'version',
      'message',
      'version',
      'membership',
      'dead-letter',
      'message',
      'email',
      'membership',
    ]);
    expect(JSON.stringify(entries)).not.toContain(bob.id);
  });

  it('shows each source message with type, id, trace id and whether it was applied or stale', async () => {
    const { body } = await call('GET', `/api/identities/${ada.id}/timeline`);
    const messages = body.entries.filter((e: ApiBody) => e.kind === 'message');
    expect(messages).toEqual([
      expect.objectContaining({
        messageId: ada.messages[0],
        type: 'KratosIdentityUpdated',
        outcome: 'applied',
        traceId: TRACEPARENT.split('-')[1],
      }),
      expect.objectContaining({ messageId: ada.messages[1], outcome: 'applied', version: 2 }),
      expect.objectContaining({ messageId: ada.messages[2], outcome: 'stale', version: null }),
    ]);
  });

  it('shows what each version changed, the membership, the email with its SMTP answer and the dead letter', async () => {
    const { body } = await call('GET', `/api/identities/${ada.id}/timeline`);
    const v2 = body.entries.find((e: ApiBody) => e.kind === 'version' && e.version === 2);
    expect(v2.changes).toEqual([{ field: 'traits.role', before: 'student', after: 'educator' }]);
    expect(body.entries.filter((e: ApiBody) => e.kind === 'membership')).toEqual([
      expect.objectContaining({ list: 'educators', event: 'subscribed' }),
      expect.objectContaining({ list: 'educators', event: 'opted-out', detail: 'one-click' }),
    ]);
    expect(body.entries.find((e: ApiBody) => e.kind === 'email')).toMatchObject({
      notificationId: ada.notificationId,
      subject: 'Exam dates',
      status: 'sent',
      smtpResponse: '250 2.0.0 Ok: queued as 4F2A1',
    });
    expect(body.entries.find((e: ApiBody) => e.kind === 'dead-letter')).toMatchObject({
      messageId: ada.deadMessageId,
      queue: 'subscribers',
      status: 'open',
    });
  });

  it('answers 404 for an unknown identity and 400 for a malformed id', async () => {
    expect((await call('GET', '/api/identities/6f1c1f7e-4a43-4a83-9d39-0d7fb3c5e0aa/timeline')).status).toBe(
      404,
    );
    expect((await call('GET', '/api/identities/x/timeline')).status).toBe(400);
  });
});

describe('dead-letter search by person', () => {
  const ids = async (qs: string): Promise<string[]> => {
    const res = await call('GET', `/api/dead-letters?${qs}`);
    expect(res.status).toBe(200);
    return res.body.items.map((i: ApiBody) => i.messageId);
  };

  it('finds dead letters by message id, identity id, external id and email (any case)', async () => {
    expect(await ids(`messageId=${ada.deadMessageId}`)).toEqual([ada.deadMessageId]);
    expect(await ids(`identityId=${ada.id}`)).toEqual([ada.deadMessageId]);
    expect(await ids(`externalId=${bob.externalId}`)).toEqual([bob.deadMessageId]);
    expect(await ids(`email=${encodeURIComponent('ADA.LOVELACE@school.example')}`)).toEqual([
      ada.deadMessageId,
    ]);
    expect(await ids(`email=nobody%40school.example`)).toEqual([]);
  });

  it('combines person search with the other filters, and refuses a malformed identity id', async () => {
    expect(await ids(`email=${encodeURIComponent(ada.email)}&queue=notifier`)).toEqual([]);
    expect((await call('GET', '/api/dead-letters?identityId=42')).status).toBe(400);
  });

  it('bulk dry run by email counts exactly that person’s dead letters', async () => {
    const res = await call('POST', '/api/dead-letters/discard', {
      filter: { email: bob.email },
      dryRun: true,
    });
    expect(res.body).toMatchObject({
      count: 1,
      sample: [expect.objectContaining({ messageId: bob.deadMessageId })],
    });
  });
});

describe('GET /api/audit', () => {
  it('lists operator actions newest first, filtered by action, actor and dead letter', async () => {
    const [dl] = (await call('GET', `/api/dead-letters?messageId=${bob.deadMessageId}`)).body.items;
    expect((await call('POST', `/api/dead-letters/${dl.id}/discard`)).status).toBe(200);
    const res = await call('GET', `/api/audit?action=discard&deadLetterId=${dl.id}`);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      expect.objectContaining({ actor: 'ops-token', action: 'discard', deadLetterIds: [dl.id], count: 1 }),
    ]);
    expect((await call('GET', '/api/audit?actor=someone-else')).body.items).toEqual([]);
  });

  it('pages with a cursor and refuses bad filters', async () => {
    const first = await call('GET', '/api/audit?limit=1');
    expect(first.body.items).toHaveLength(1);
    expect((await call('GET', '/api/audit?action=delete')).status).toBe(400);
    expect((await call('GET', '/api/audit?cursor=abc')).status).toBe(400);
    expect((await call('GET', '/api/audit?since=yesterday')).status).toBe(400);
  });
});

describe('state gauges on /metrics', () => {
  it('report open dead letters per queue and the outbox backlog from the database', async () => {
    const registry = new Registry();
    registerStateGauges(h.prisma, registry);
    const open = await h.prisma.deadLetter.count({ where: { queue: 'subscribers', status: 'open' } });
    const text = await registry.metrics();
    expect(text).toContain(`identity_relay_dead_letters_open{queue="subscribers"} ${open}`);
    // The fixtures' versions were all published.
    expect(text).toContain('identity_relay_outbox_pending 0');
    expect(text).toContain('identity_relay_outbox_oldest_pending_age_seconds 0');
    const v2 = await h.prisma.identityEvent.findFirstOrThrow({ where: { identityId: ada.id, version: 2 } });
    await h.prisma.identityOutbox.create({ data: { createdAt: v2.createdAt, eventId: v2.id } });
    const after = await registry.metrics();
    expect(after).toContain('identity_relay_outbox_pending 1');
    expect(after).toMatch(/identity_relay_outbox_oldest_pending_age_seconds [1-9]\d*/);
  });
});
