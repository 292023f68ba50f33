// Unit: the round's logic against an in-memory claim store and a scripted transport; no database, no SMTP.
import pino from 'pino';
import { describe, expect, test, vi } from 'vitest';
import type { DeliveryMark, PendingDelivery } from './claims.js';
import { DeliveryRound, type RoundOptions } from './delivery-round.js';
import { Letter, type NotificationToSend } from './letter.js';
import type { MailReceipt, MailTransport, OutgoingMail } from './mail/types.js';
import type { RoundStore } from './round-store.js';
import type { Bounce } from './suppressions.js';

const NOTIFICATION: NotificationToSend = {
  id: 'n1',
  topic: 'exam.generated',
  list: 'educators',
  subject: 'Exam ready',
  text: 'Your exam has been generated.',
};
const LETTER = {
  from: 'Exams <exams@school.example>',
  domain: 'school.example',
  unsubscribe: { baseUrl: 'https://relay.example', secret: 'k'.repeat(32) },
};

/** Pending rows of one notification, claimable in email order; records every write the round makes. */
class FakeStore implements RoundStore {
  readonly unclaimed: PendingDelivery[];
  readonly marks: DeliveryMark[] = [];
  readonly bounces: Bounce[] = [];
  readonly claims: number[] = [];
  released = 0;
  /** What otherClaimsLapseIn answers, in turn; then null (nobody else holds any). */
  othersLapseIn: number[] = [];
  /** Rows another round holds, given back once `othersLapseIn` is used up. */
  heldByOthers: PendingDelivery[] = [];
  failMark?: Error;
  traits = new Map<string, Record<string, unknown>>();

  constructor(
    emails: string[],
    readonly held = 0,
  ) {
    this.unclaimed = emails.map((email, i) => ({
      email,
      messageId: `<m${i}@school.example>`,
      identityId: `id-${email}`,
    }));
  }
  skipHeldBack = async () => this.held;
  claim = async (limit: number) => {
    if (this.unclaimed.length === 0 && this.othersLapseIn.length === 0)
      this.unclaimed.push(...this.heldByOthers.splice(0));
    const chunk = this.unclaimed.splice(0, limit);
    this.claims.push(chunk.length);
    return chunk;
  };
  renew = async () => {};
  release = async () => void this.released++;
  otherClaimsLapseIn = async () => this.othersLapseIn.shift() ?? (this.heldByOthers.length > 0 ? 0 : null);
  mark = async (marks: DeliveryMark[]) => {
    if (this.failMark) throw this.failMark;
    this.marks.push(...marks);
  };
  suppress = async (bounces: Bounce[]) => void this.bounces.push(...bounces);
  traitsOf = async (ids: string[]) =>
    new Map(ids.flatMap((id) => (this.traits.has(id) ? [[id, this.traits.get(id)!]] : [])));

  statusOf(email: string): string | undefined {
    return this.marks.find((m) => m.email === email)?.update.status;
  }
}

/** An SMTP error as nodemailer shapes it. */
function smtpError(responseCode: number | undefined, command: string | undefined, response?: string): Error {
  return Object.assign(new Error(response ?? 'connection refused'), {
    responseCode,
    command,
    response,
    code: command ? undefined : 'ECONNECTION',
  });
}

/**
 * Accepts every message unless `failures` scripts an error for its address, and not before its
 * `acceptAfter` (a rejection abandons it unaccepted, as the SMTP transport does); records what it was given.
 */
class FakeTransport implements MailTransport {
  readonly kind = 'smtp' as const;
  readonly sent: OutgoingMail[] = [];
  readonly tried: string[] = [];
  running = 0;
  peak = 0;
  onSend?: () => void;
  constructor(readonly failures: Record<string, Error> = {}) {}
  async send(mail: OutgoingMail, acceptAfter?: PromiseLike<unknown>): Promise<MailReceipt> {
    this.tried.push(mail.to);
    this.peak = Math.max(this.peak, ++this.running);
    await new Promise((resolve) => setImmediate(resolve));
    this.running--;
    await acceptAfter;
    this.onSend?.();
    const failure = this.failures[mail.to];
    if (failure) throw failure;
    this.sent.push(mail);
    return { smtpMessageId: `q-${this.sent.length}`, response: '250 2.0.0 Ok' };
  }
  close = async () => {};
}

function round(
  store: FakeStore,
  transport: FakeTransport,
  over: Partial<RoundOptions> = {},
  n = NOTIFICATION,
) {
  return new DeliveryRound({
    notificationId: n.id,
    store,
    transport,
    letter: new Letter(n, LETTER),
    logger: pino({ level: 'silent' }),
    slots: (task) => task(),
    rate: { take: async () => {} },
    concurrency: 3,
    claimBatch: 4,
    claimLeaseMs: 1000,
    ...over,
  });
}

const emails = (count: number, prefix = 'r') =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(2, '0')}@school.example`);

describe('DeliveryRound', () => {
  test('sends every pending delivery once, on `concurrency` lanes, claiming in chunks, and gives back its claims', async () => {
    const store = new FakeStore(emails(10), 2);
    const transport = new FakeTransport();
    const results: string[] = [];
    const result = await round(store, transport, { onResult: (r) => results.push(r) }).run();

    expect(result).toEqual({ sent: 10, failed: 0, skipped: 2, deferred: 0 });
    expect(transport.sent.map((m) => m.to).sort()).toEqual(emails(10));
    expect(transport.sent[0]!.messageId).toBe('<m0@school.example>');
    expect(transport.peak).toBe(3);
    expect(store.claims).toEqual([4, 4, 2, 0]);
    expect(store.marks.map((m) => m.update)).toContainEqual({
      status: 'sent',
      smtpMessageId: 'q-1',
      response: '250 2.0.0 Ok',
    });
    expect(store.marks).toHaveLength(10);
    expect(results).toEqual(Array(10).fill('sent'));
    expect(store.released).toBe(1);
  });

  test('a refused address fails and is suppressed with the reply; a greylisted one stays pending; the rest go on', async () => {
    const [refused, greylisted, ...others] = emails(6);
    const transport = new FakeTransport({
      [refused!]: smtpError(550, 'RCPT TO', '550 5.1.1 mailbox unavailable'),
      [greylisted!]: smtpError(451, 'RCPT TO', '451 4.7.1 try later'),
    });
    const store = new FakeStore([refused!, greylisted!, ...others]);
    const result = await round(store, transport).run();

    expect(result).toMatchObject({ sent: 4, failed: 1, deferred: 1 });
    expect(result.serverError).toBeUndefined();
    expect(result.lastError).toBeInstanceOf(Error);
    expect(store.statusOf(refused!)).toBe('failed');
    expect(store.statusOf(greylisted!)).toBe('pending');
    expect(store.bounces).toEqual([{ email: refused, reason: '550 5.1.1 mailbox unavailable' }]);
  });

  test('a server error stops the round: no further send starts, and what is left is given back', async () => {
    const list = emails(20);
    const store = new FakeStore(list);
    const transport = new FakeTransport({ [list[0]!]: smtpError(undefined, undefined) });
    const result = await round(store, transport, { concurrency: 1 }).run();

    expect(result.serverError?.message).toBe('connection refused');
    expect(result).toMatchObject({ sent: 0, deferred: 1 });
    expect(transport.tried).toEqual([list[0]]);
    expect(store.claims).toEqual([4]);
    expect(store.released).toBe(1);
  });

  test('once the worker is stopping no send starts and the round says it was interrupted', async () => {
    const store = new FakeStore(emails(8));
    const transport = new FakeTransport();
    let stopping = false;
    transport.onSend = () => (stopping = true);
    const result = await round(store, transport, { concurrency: 1, stopping: () => stopping }).run();

    expect(result).toMatchObject({ sent: 1, interrupted: true });
    expect(transport.tried).toHaveLength(1);
    expect(store.released).toBe(1);
  });

  test("a recipient whose data breaks the template fails without suppression; the others' traits are loaded", async () => {
    const [bad, good] = emails(2);
    const store = new FakeStore([bad!, good!]);
    store.traits.set(`id-${bad}`, { broken: true });
    store.traits.set(`id-${good}`, { name: 'Ada' });
    const n = {
      ...NOTIFICATION,
      text: "Hi {{ recipient.traits.name }}{% if recipient.traits.broken %}{% include 'x' %}{% endif %}",
    };
    const result = await round(store, new FakeTransport(), {}, n).run();

    expect(result).toMatchObject({ sent: 1, failed: 1 });
    expect(store.statusOf(bad!)).toBe('failed');
    expect(store.bounces).toEqual([]);
  });

  test("deliveries another round holds are taken once that round's lease lapses", async () => {
    const store = new FakeStore(emails(4));
    store.heldByOthers = store.unclaimed.splice(0);
    store.othersLapseIn = [10];
    const transport = new FakeTransport();
    const result = await round(store, transport).run();

    expect(result.sent).toBe(4);
    expect(store.claims).toEqual([0, 4, 0]); // nothing free, waited for the lease, took them over, done
    expect(store.othersLapseIn).toEqual([]);
  });

  test('without a renewed lease no send starts once half of it is gone', async () => {
    let now = 0;
    const store = new FakeStore(emails(6));
    const transport = new FakeTransport();
    transport.onSend = () => (now += 600); // each send outlasts half the 1000 ms lease; no renewal in between
    const result = await round(store, transport, { concurrency: 1, now: () => now }).run();

    expect(result.sent).toBe(1);
    expect(transport.tried).toHaveLength(1);
    expect(store.released).toBe(1);
  });

  test('a failing write ends every lane, the round rejects with it, and the claims are given back', async () => {
    const store = new FakeStore(emails(9));
    store.failMark = new Error('database lost');
    const transport = new FakeTransport();
    await expect(round(store, transport).run()).rejects.toThrow('database lost');
    // One unmarked accepted email per lane at most: the send each lane started behind it was abandoned.
    expect(transport.sent.length).toBeLessThanOrEqual(3);
    expect(transport.tried.length).toBeLessThanOrEqual(6);
    expect(store.released).toBe(1);
  });

  test("a lane's next email is accepted only once its previous result is committed, and the two overlap", async () => {
    const store = new FakeStore(emails(6));
    const commits: Array<() => void> = [];
    const marks = store.mark;
    store.mark = (batch) =>
      new Promise<void>((resolve) => commits.push(() => void marks(batch).then(resolve)));
    const transport = new FakeTransport();
    const running = round(store, transport, { concurrency: 1 }).run();
    const sent = () => transport.sent.map((m) => m.to);

    // The first is accepted; the second is under way but held while the first's mark is not committed.
    await vi.waitFor(() => expect(transport.tried).toEqual(emails(2)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(sent()).toEqual(emails(1));
    commits.shift()!();
    await vi.waitFor(() => expect(sent()).toEqual(emails(2)));
    expect(store.marks.map((m) => m.email)).toEqual(emails(1));
    while (store.marks.length < 6) {
      commits.shift()?.();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await expect(running).resolves.toMatchObject({ sent: 6 });
    expect(store.marks.map((m) => m.email)).toEqual(emails(6));
  });

  test('options are range-checked', () => {
    const store = new FakeStore([]);
    expect(() => round(store, new FakeTransport(), { claimBatch: 0 })).toThrow(RangeError);
    expect(() => round(store, new FakeTransport(), { claimLeaseMs: 999 })).toThrow(RangeError);
  });
});
