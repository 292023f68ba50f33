import { createHash } from 'node:crypto';

const SAFE_TOKEN = /^[A-Za-z0-9._-]{1,100}$/;

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The notification id as it may appear in headers and file names: itself when plainly safe, else its hash. */
export function headerSafeId(notificationId: string): string {
  return SAFE_TOKEN.test(notificationId) ? notificationId : sha256Hex(notificationId).slice(0, 32);
}

/**
 * `<notificationId.sha256(email)@identity-relay>`: the same (notification, recipient) always gets the same
 * Message-ID, so a receiver (or the .eml folder) recognises the one duplicate a crash can cause.
 */
export function messageIdFor(notificationId: string, email: string): string {
  return `<${headerSafeId(notificationId)}.${sha256Hex(email.toLowerCase()).slice(0, 32)}@identity-relay>`;
}

/** The .eml file name of a Message-ID: its inside, so a rewrite replaces the same file. */
export function fileNameFor(messageId: string): string {
  return `${messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._@-]/g, '_')}.eml`;
}
