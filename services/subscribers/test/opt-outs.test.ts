import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { defaultRules } from '../src/index.js';
import { history, identity, startHarness, type Harness } from './harness.js';

// Real broker and database: UnsubscribeRequested as the ingress publishes it, applied by the real worker.

let h: Harness;
beforeAll(async () => {
  h = await startHarness(defaultRules('user_type'));
});
afterAll(async () => {
  await h?.dispose();
});

interface OptOut {
  method: string;
  opted_out_at: Date;
  resubscribed_at: Date | null;
  source_message_id: string;
}
const optOut = async (email: string) =>
  (
    await h.prisma.$queryRaw<OptOut[]>`
      SELECT method, opted_out_at, resubscribed_at, source_message_id FROM subscriber_opt_outs
      WHERE list = 'educators' AND email = ${email}`
  )[0];

test('an unsubscribe records the opt-out; rule changes afterwards keep the membership row but never lift it', async () => {
  const id = randomUUID();
  const events = history(id, [
    identity(id, { email: 'ada@school.example' }),
    identity(id, { email: 'ada@school.example', userType: 'student' }),
    identity(id, { email: 'ada@school.example', userType: 'educator' }),
  ]);
  await h.processed([await h.publish(events[0]!)]);
  const msg = await h.unsubscribe({ list: 'educators', email: 'ada@school.example', method: 'one-click' });
  await h.processed([msg]);
  expect(await optOut('ada@school.example')).toMatchObject({
    method: 'one-click',
    resubscribed_at: null,
    source_message_id: msg,
  });
  // Leaves the list by rule, comes back by rule: the opt-out stays.
  await h.processed([await h.publish(events[1]!), await h.publish(events[2]!)]);
  const [row] = await h.prisma.$queryRaw<{ unsubscribed_at: Date | null }[]>`
    SELECT unsubscribed_at FROM subscribers WHERE email = 'ada@school.example'`;
  expect(row!.unsubscribed_at).toBeNull();
  expect(await optOut('ada@school.example')).toMatchObject({ resubscribed_at: null, source_message_id: msg });
});

test('a second click keeps the first opt-out; a click made before an operator resubscribed does not undo the resubscribe', async () => {
  const first = await h.unsubscribe({ list: 'educators', email: 'bob@school.example', method: 'page' });
  await h.processed([first]);
  const again = await h.unsubscribe({ list: 'educators', email: 'bob@school.example', method: 'one-click' });
  await h.processed([again]);
  expect(await optOut('bob@school.example')).toMatchObject({ method: 'page', source_message_id: first });

  await h.prisma.$executeRaw`
    UPDATE subscriber_opt_outs SET resubscribed_at = now(), resubscribed_by = 'ops-token'
    WHERE email = 'bob@school.example'`;
  const late = await h.unsubscribe(
    { list: 'educators', email: 'bob@school.example', method: 'one-click' },
    new Date(Date.now() - 60_000),
  );
  await h.processed([late]);
  expect((await optOut('bob@school.example'))!.resubscribed_at).not.toBeNull();

  // A new click after the resubscribe opts out again.
  const fresh = await h.unsubscribe(
    { list: 'educators', email: 'bob@school.example', method: 'one-click' },
    new Date(Date.now() + 1000),
  );
  await h.processed([fresh]);
  expect(await optOut('bob@school.example')).toMatchObject({
    resubscribed_at: null,
    source_message_id: fresh,
  });
});
