import type { Router } from 'express';
import { headerBlock, listOutbox, readOutboxMessage } from './outbox.js';
import { str, type ConsoleKit } from './kit.js';
import { outboxMessagePage, outboxPage } from './pages/outbox.js';

/** The notifier's .eml folder (mail written as files when no SMTP server is configured). */
export function registerOutboxPages(router: Router, kit: ConsoleKit, mailDir: string | undefined): void {
  const { signedIn, page, ctx, view, fail } = kit;
  router.get('/outbox', signedIn, async (req, res) => {
    const dir = mailDir ?? '';
    const empty = { entries: [], total: 0, page: 1, pages: 1 };
    const outbox = dir ? await listOutbox(dir, Number(str(req.query.page)) || 1) : empty;
    const shown = view(res).masked
      ? { ...outbox, entries: outbox.entries.map((e) => ({ ...e, to: view(res).text(e.to) })) }
      : outbox;
    page(res, 200, outboxPage(ctx(res), dir || '(MAIL_DIR unset)', shown));
  });
  router.get('/outbox/:name', signedIn, async (req, res) => {
    const name = String(req.params.name);
    const message = mailDir ? await readOutboxMessage(mailDir, name) : undefined;
    if (message === undefined) return fail(res, 404, 'No such message in the outbox.');
    if (!view(res).masked) return page(res, 200, outboxMessagePage(ctx(res), name, message));
    const headers = { ...message, source: view(res).text(headerBlock(message.source)) };
    page(res, 200, outboxMessagePage(ctx(res), name, headers, true));
  });
}
