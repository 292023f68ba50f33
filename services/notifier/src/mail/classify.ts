/**
 * What a failed send means, from nodemailer's error (`responseCode`, `command`, `code`):
 * - `recipient-permanent`: the server refused this recipient or this message for good (5xx on RCPT TO or
 *   DATA). The delivery is marked failed; retrying cannot help and the others go on.
 * - `recipient-transient`: 4xx on RCPT TO or DATA (greylisting, mailbox busy). Stays pending; the others go on.
 * - `server`: connection refused or lost, timeouts, TLS, authentication, MAIL FROM refused: nothing can be
 *   sent right now. Stays pending and the round stops; the message is retried with delay.
 */
export type SmtpFailure = 'recipient-permanent' | 'recipient-transient' | 'server';

interface NodemailerErrorShape {
  responseCode?: unknown;
  command?: unknown;
  code?: unknown;
}

const RECIPIENT_COMMANDS = /^(RCPT|DATA)\b/i;

export function classifySmtpError(err: unknown): SmtpFailure {
  const { responseCode, command, code } = (err ?? {}) as NodemailerErrorShape;
  const status = typeof responseCode === 'number' ? responseCode : undefined;
  // The command is the best witness; without one, nodemailer's envelope/message codes say the same.
  const aboutRecipient =
    typeof command === 'string'
      ? RECIPIENT_COMMANDS.test(command)
      : code === 'EENVELOPE' || code === 'EMESSAGE';
  if (status === undefined || !aboutRecipient) return 'server';
  if (status >= 500 && status < 600) return 'recipient-permanent';
  if (status >= 400 && status < 500) return 'recipient-transient';
  return 'server';
}

/** The server's queue id from a `250 ... queued as X` reply, else the reply itself (at most 200 characters). */
export function receiptOf(response: string | undefined, fallback: string): string {
  if (!response) return fallback;
  const queued = /queued as\s+([^\s>]+)/i.exec(response);
  return (queued?.[1] ?? response.trim()).slice(0, 200);
}
