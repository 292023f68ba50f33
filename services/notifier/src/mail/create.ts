import { createMailDirTransport } from './maildir-transport.js';
import { createSmtpTransport } from './smtp-transport.js';
import type { MailTransport } from './types.js';

export interface MailConfig {
  smtpUrl?: string;
  mailDir: string;
  smtpMaxConnections: number;
  smtpTimeoutMs: number;
}

/** SMTP when SMTP_URL is set; otherwise .eml files in MAIL_DIR (the embedded default). */
export function createMailTransport(config: MailConfig): MailTransport {
  if (config.smtpUrl) {
    return createSmtpTransport({
      url: config.smtpUrl,
      maxConnections: config.smtpMaxConnections,
      timeoutMs: config.smtpTimeoutMs,
    });
  }
  return createMailDirTransport(config.mailDir);
}
