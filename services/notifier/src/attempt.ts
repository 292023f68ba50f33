import { TemplateError } from '@identity-relay/contracts';
import type { DeliveryUpdate } from './claims.js';
import type { Letter, Recipient } from './letter.js';
import { classifySmtpError, type SmtpFailure } from './mail/classify.js';
import type { MailTransport } from './mail/types.js';

/** What one send attempt came to: the row update to record, and why. */
export type Attempt =
  | { outcome: 'sent'; update: DeliveryUpdate }
  /** The recipient's data broke a render limit: failed, nothing to retry, and not the address's fault. */
  | { outcome: 'unrendered'; update: DeliveryUpdate; error: TemplateError }
  | { outcome: SmtpFailure; update: DeliveryUpdate; error: Error };

/** The server's reply carried by nodemailer's error, e.g. `550 5.1.1 mailbox unavailable`. */
function smtpReply(err: Error): string | undefined {
  const { response } = err as { response?: unknown };
  return typeof response === 'string' && response.length > 0 ? response : undefined;
}

/**
 * Renders and sends one recipient's email; the server cannot accept it before `acceptAfter` resolves (see
 * MailTransport.send). A refused address (5xx on RCPT/DATA) is failed with the server's
 * reply, which the caller puts on the suppression list; any other SMTP failure leaves the delivery pending.
 * Errors that are neither a TemplateError nor the transport's rejection pass through.
 */
export async function attemptDelivery(
  letter: Letter,
  transport: MailTransport,
  recipient: Recipient,
  acceptAfter?: PromiseLike<unknown>,
): Promise<Attempt> {
  let mail;
  try {
    mail = letter.compose(recipient);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    return { outcome: 'unrendered', error: err, update: { status: 'failed', error: err.message } };
  }
  try {
    const receipt = await transport.send(mail, acceptAfter);
    const update = {
      status: 'sent',
      smtpMessageId: receipt.smtpMessageId,
      response: receipt.response,
    } as const;
    return { outcome: 'sent', update };
  } catch (thrown) {
    const err = thrown instanceof Error ? thrown : new Error(String(thrown));
    const outcome = classifySmtpError(err);
    const response = smtpReply(err);
    if (outcome === 'recipient-permanent')
      return {
        outcome,
        error: err,
        update: { status: 'failed', error: err.message, response: response ?? err.message },
      };
    return { outcome, error: err, update: { status: 'pending', error: err.message, response } };
  }
}
