import { createHash } from 'node:crypto';

const SAFE_TOKEN = /^[A-Za-z0-9._-]{1,100}$/;
const DOMAIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))*$/;

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The notification id as it may appear in headers and file names: itself when plainly safe, else its hash. */
export function headerSafeId(notificationId: string): string {
  return SAFE_TOKEN.test(notificationId) ? notificationId : sha256Hex(notificationId).slice(0, 32);
}

/**
 * The domain of MAIL_FROM (`Exams <exams@school.example>` → `school.example`), for Message-IDs (RFC 5322
 * §3.6.4 wants a domain the sender controls) and List-Id. `localhost` when it holds no usable domain.
 */
export function mailDomain(mailFrom: string): string {
  const address = /<([^<>]*)>\s*$/.exec(mailFrom)?.[1] ?? mailFrom;
  const domain = address
    .slice(address.lastIndexOf('@') + 1)
    .trim()
    .toLowerCase();
  return address.includes('@') && DOMAIN.test(domain) ? domain : 'localhost';
}

/**
 * `<notificationId.sha256(email)@domain>` (`domain` from MAIL_FROM): the same (notification, recipient) always
 * gets the same Message-ID, so a receiver (or the .eml folder) recognises the one duplicate a crash can cause.
 */
export function messageIdFor(notificationId: string, email: string, domain: string): string {
  return `<${headerSafeId(notificationId)}.${sha256Hex(email.toLowerCase()).slice(0, 32)}@${domain}>`;
}

/** The .eml file name of a Message-ID: its inside, so a rewrite replaces the same file. */
export function fileNameFor(messageId: string): string {
  return `${messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._@-]/g, '_')}.eml`;
}
