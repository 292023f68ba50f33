import { variables } from '@identity-relay/runtime';
import { createTransport, type SendMailOptions } from 'nodemailer';
import { receiptOf } from './classify.js';
import { HeldMessage } from './held-message.js';
import { encodeMessage } from './mime-message.js';
import type { MailTransport, OutgoingMail } from './types.js';

export interface SmtpTransportOptions {
  /** smtp://user:pass@host:port (STARTTLS when offered) or smtps://... (TLS from the start). */
  url: string;
  /** (default=SMTP_MAX_CONNECTIONS's, 1..100) Pooled connections; at most this many messages are in flight. */
  maxConnections?: number;
  /** (default=SMTP_TIMEOUT_MS's, 1000..600000) Connect, greeting and socket-idle timeout, in milliseconds. */
  timeoutMs?: number;
}

/** Mail options carrying `acceptAfter` to the stream plugin below (nodemailer keeps unknown keys). */
interface HeldMailOptions extends SendMailOptions {
  identityRelayAcceptAfter?: PromiseLike<unknown>;
}

/** One pooled nodemailer transport for the whole process; `close()` ends its connections. */
export function createSmtpTransport(opts: SmtpTransportOptions): MailTransport {
  const maxConnections = opts.maxConnections ?? variables.SMTP_MAX_CONNECTIONS.default;
  const timeoutMs = opts.timeoutMs ?? variables.SMTP_TIMEOUT_MS.default;
  if (!Number.isInteger(maxConnections) || maxConnections < 1 || maxConnections > 100)
    throw new RangeError('maxConnections must be 1..100');
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1000 || timeoutMs > 600_000)
    throw new RangeError('timeoutMs must be 1000..600000');
  const transport = createTransport({
    url: opts.url,
    pool: true,
    maxConnections,
    // Recycle connections now and then; some servers cap messages per session.
    maxMessages: 100,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  // Every message leaves as one write, its end of data held back until its `acceptAfter` (held-message.ts).
  transport.use('stream', (mail, done) => {
    const { identityRelayAcceptAfter } = mail.data as HeldMailOptions;
    mail.message.transform(() => new HeldMessage(identityRelayAcceptAfter));
    done();
  });
  return {
    kind: 'smtp',
    async send(mail: OutgoingMail, acceptAfter?: PromiseLike<unknown>) {
      // The message goes to nodemailer encoded (one buffer, mime-message.ts), with the envelope its headers name.
      const options: HeldMailOptions = {
        envelope: { from: mail.from, to: [mail.to] },
        // nodemailer reads the raw message's id from here; without it, it makes up a random one per email.
        messageId: mail.messageId,
        raw: encodeMessage(mail),
        identityRelayAcceptAfter: acceptAfter,
      };
      const info = await transport.sendMail(options);
      return {
        smtpMessageId: receiptOf(info.response, mail.messageId),
        response: info.response?.slice(0, 1000),
      };
    },
    async close() {
      transport.close();
    },
  };
}
