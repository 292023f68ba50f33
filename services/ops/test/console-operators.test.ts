// The console's operator pages over the real database and broker: find a person by email, read their
// timeline, edit & retry the dead letter about them (schema problems shown, the diff and editor kept), see the
// audit entry, erase them after a dry run. Forms carry the session's CSRF token like a browser's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '@identity-relay/bus';
import { CONSOLE_TOKEN, csrfOf, signInWithToken, startConsole } from './console-server.js';
import { startOpsHarness, type OpsHarness } from './harness.js';
import { seedPerson, type SeededPerson } from './identity-fixtures.js';

let h: OpsHarness;
let base: string;
let close: () => Promise<void>;
let cookie: string;
let person: SeededPerson;
let deadLetterId: string;

const get = (path: string) => fetch(`${base}${path}`, { redirect: 'manual', headers: { cookie } });
const text = async (path: string) => (await get(path)).text();
const post = (path: string, form: Record<string, string>) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams(form).toString(),
  });
const unescape = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

beforeAll(async () => {
  h = await startOpsHarness();
  await h.startWorker(QUEUES.subscribers, () => false);
  await h.listenForErasures();
  person = await seedPerson(h, 'Ada.Lovelace@school.example');
  deadLetterId = (await h.prisma.deadLetter.findFirstOrThrow({ where: { messageId: person.deadMessageId } }))
    .id;
  ({ url: base, close } = await startConsole(h));
  ({ session: cookie } = await signInWithToken(base, CONSOLE_TOKEN));
});

afterAll(async () => {
  await close?.();
  await h?.dispose();
});

describe('console: from a person to the answer', () => {
  it('finds the identity by email (any case) and links its timeline', async () => {
    const page = await text('/identities?email=ada.lovelace%40SCHOOL.example');
    expect(page).toContain(`href="/identities/${person.id}"`);
    expect(await text('/identities?id=not-a-uuid')).toContain('id: must be a UUID');
  });

  it('shows the timeline: messages with their outcome, versions with a diff, list, email and the dead letter', async () => {
    const page = await text(`/identities/${person.id}`);
    expect(page).toContain(person.messages[0]);
    expect(page).toContain('status-stale');
    expect(page).toMatch(
      /traits\.role<\/code>: <del>&quot;student&quot;<\/del> → <ins>&quot;educator&quot;<\/ins>/,
    );
    expect(page).toContain('Exam dates');
    expect(page).toContain(`href="/dead-letters/${deadLetterId}"`);
    expect(page).not.toContain('http-equiv="refresh"');
    expect(await text(`/identities/${person.id}?refresh=1`)).toContain('http-equiv="refresh" content="15"');
  });

  it('edit & retry: shows the schema problems, then replays the corrected body and keeps the diff and editor', async () => {
    const editor = await text(`/dead-letters/${deadLetterId}/edit`);
    const original = JSON.parse(unescape(/<textarea[^>]*>([\s\S]*?)<\/textarea>/.exec(editor)![1]!));
    const refused = await post(`/dead-letters/${deadLetterId}/edit`, {
      _csrf: csrfOf(editor),
      body: JSON.stringify(original),
    });
    expect(refused.status).toBe(422);
    const problems = await refused.text();
    expect(problems).toContain('<code>/time: is required</code>');
    expect(problems).toContain('<textarea'); // the editor stays, with what was sent

    const broken = await post(`/dead-letters/${deadLetterId}/edit`, {
      _csrf: csrfOf(editor),
      body: '{"id": ',
    });
    expect(broken.status).toBe(422);
    expect(await broken.text()).toContain('JSON:');

    const fixed = { ...original, time: '2026-01-01T11:00:00.000Z', datacontenttype: 'application/json' };
    const done = await post(`/dead-letters/${deadLetterId}/edit`, {
      _csrf: csrfOf(editor),
      body: JSON.stringify(fixed),
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`/dead-letters/${deadLetterId}?done=edited`);
    const detail = await text(`/dead-letters/${deadLetterId}?done=edited`);
    expect(detail).toContain('Edited and replayed');
    expect(detail).toContain('time: added &quot;2026-01-01T11:00:00.000Z&quot;');
    expect(detail).toContain('by <strong>ops-token</strong>');
    expect(detail).toContain('Original body');
    await expect
      .poll(() => h.handled.get(QUEUES.subscribers) ?? [], { timeout: 15_000 })
      .toContain(person.deadMessageId);
  });

  it('refuses an edit without the form token', async () => {
    const res = await post(`/dead-letters/${deadLetterId}/edit`, { body: '{}' });
    expect(res.status).toBe(403);
  });

  it('shows the replay in the audit page, filtered by dead letter and by action', async () => {
    const page = await text(`/audit?deadLetterId=${deadLetterId}&action=replay`);
    expect(page).toContain(`href="/dead-letters/${deadLetterId}"`);
    expect(page).toContain('ops-token');
    expect(await text('/audit?action=nope')).toContain('action: must be one of');
  });

  it('erases after a dry run: counts first, nothing touched, then the tombstone', async () => {
    const dry = await text(`/identities/${person.id}/erase`);
    expect(dry).toContain('Dry run');
    expect(dry).toContain('data-testid="erasure-counts"');
    expect((await h.prisma.identity.findUniqueOrThrow({ where: { id: person.id } })).erasedAt).toBeNull();
    const res = await post(`/identities/${person.id}/erase`, { _csrf: csrfOf(dry) });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('IdentityErased published');
    const row = await h.prisma.identity.findUniqueOrThrow({ where: { id: person.id } });
    expect(row).toMatchObject({ email: null });
    expect(row.erasedAt).not.toBeNull();
    const timeline = await text(`/identities/${person.id}`);
    expect(timeline).toContain('status-erased');
    expect(timeline.toLowerCase()).not.toContain('ada.lovelace');
  });
});
