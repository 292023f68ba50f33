import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../auth/authenticator.js';
import { createConsoleKit } from './kit.js';
import type { ConsoleSessions } from './session.js';

const operator: Principal = {
  actor: 'ops-token',
  subject: 'ops-token',
  role: 'operator',
  grants: ['operator'],
};
const reader: Principal = { actor: 'oidc:r', subject: 'oidc:r', role: 'read', grants: ['read'] };

/** Just what the kit uses of ConsoleSessions: a session token `tok` for `who`, or none. */
function sessions(who: Principal | null): ConsoleSessions {
  return {
    current: () => Promise.resolve(who ? { token: 'tok', session: {}, principal: who } : null),
    clear: () => undefined,
    csrfToken: (token: string) => `csrf-of-${token}`,
    checkCsrf: (token: string, given: unknown) => given === `csrf-of-${token}`,
  } as unknown as ConsoleSessions;
}

interface Answer {
  status?: number;
  body?: string;
  redirect?: string;
  next: boolean;
}

async function run(
  handler: (req: Request, res: Response, next: NextFunction) => unknown,
  opts: { body?: object; locals?: object; cookie?: string } = {},
): Promise<{ answer: Answer; res: Response }> {
  const answer: Answer = { next: false };
  const res = {
    locals: { ...opts.locals },
    status(code: number) {
      answer.status = code;
      return this;
    },
    type() {
      return this;
    },
    set() {
      return this;
    },
    send(body: string) {
      answer.body = body;
      return this;
    },
    redirect(code: number, to: string) {
      answer.status = code;
      answer.redirect = to;
    },
  } as unknown as Response;
  const req = { body: opts.body ?? {}, get: () => opts.cookie } as unknown as Request;
  await handler(req, res, () => void (answer.next = true));
  return { answer, res };
}

describe('console kit', () => {
  it('signedIn: sends visitors without a session to the sign-in page, and sets the page context for the others', async () => {
    const anonymous = createConsoleKit(sessions(null));
    expect((await run(anonymous.signedIn)).answer).toMatchObject({
      status: 303,
      redirect: '/login',
      next: false,
    });
    const kit = createConsoleKit(sessions(operator));
    const { answer, res } = await run(kit.signedIn);
    expect(answer.next).toBe(true);
    expect(kit.ctx(res)).toEqual({ principal: operator, csrf: 'csrf-of-tok' });
    expect(kit.principal(res)).toBe(operator);
    expect(kit.view(res).masked).toBe(false);
  });

  it('checked: a form passes only with its session’s CSRF token', async () => {
    const kit = createConsoleKit(sessions(operator));
    const locals = { session: 'tok', principal: operator, ctx: {} };
    expect((await run(kit.checked, { locals, body: { _csrf: 'csrf-of-tok' } })).answer.next).toBe(true);
    const forged = (await run(kit.checked, { locals, body: { _csrf: 'csrf-of-other' } })).answer;
    expect(forged).toMatchObject({ status: 403, next: false });
    expect(forged.body).toContain('did not come from this console');
  });

  it('operator and personal: readers without the pii grant get a 403 page naming what is missing', async () => {
    const kit = createConsoleKit(sessions(reader));
    const locals = { principal: reader, ctx: { principal: reader } };
    const op = (await run(kit.operator, { locals })).answer;
    expect(op).toMatchObject({ status: 403, next: false });
    expect(op.body).toContain('needs the operator role');
    expect((await run(kit.personal, { locals })).answer.body).toContain('the operator role or the pii grant');
    const withPii = { ...reader, grants: ['read', 'pii'] as const };
    expect((await run(kit.personal, { locals: { principal: withPii } })).answer.next).toBe(true);
    expect(kit.view({ locals } as unknown as Response).masked).toBe(true);
  });
});
