import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileNameFor } from './message-id.js';
import { encodeMessage } from './mime-message.js';
import type { MailTransport, OutgoingMail } from './types.js';

/**
 * Writes each email as `<Message-ID>.eml` into `dir` (created when missing) instead of sending it: the
 * embedded default when no SMTP_URL is set. Written to a temporary name and renamed, so a reader never
 * sees half a file; a rewrite of the same email replaces its file, so the folder never holds a duplicate.
 */
export function createMailDirTransport(dir: string): MailTransport {
  let ready: Promise<unknown> | undefined;
  return {
    kind: 'maildir',
    async send(mail: OutgoingMail, acceptAfter?: PromiseLike<unknown>) {
      ready ??= mkdir(dir, { recursive: true });
      await ready;
      const name = fileNameFor(mail.messageId);
      const temp = join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      try {
        await writeFile(temp, encodeMessage(mail), { flag: 'wx' });
        await acceptAfter; // the rename is the acceptance: nothing is in the folder before it
        await rename(temp, join(dir, name));
      } catch (err) {
        await rm(temp, { force: true });
        throw err;
      }
      return { smtpMessageId: `file:${name}` };
    },
    async close() {},
  };
}
