import type { JSONSchemaType } from 'ajv';
import { requiredKeys } from './required-keys.js';

/** Longest `text`/`html`, in characters (ajv counts code points): 1 MiB. The ingress caps bytes separately. */
export const NOTIFICATION_BODY_MAX_CHARS = 1024 * 1024;

/** A topic or list name: also a routing-key segment, so no `*`, `#` or spaces. */
export const NOTIFICATION_NAME_PATTERN = '^[a-z0-9][a-z0-9._-]{0,63}$';

/**
 * `data` of a `NotificationRequested` message: one email to every subscriber of `list`. `subject`, `text` and
 * `html` are Liquid templates rendered per recipient; text without tags renders as itself.
 */
export interface NotificationRequestedData {
  topic: string;
  list: string;
  /** 1..998 characters (RFC 5322 line limit), no CR or LF: it becomes a mail header. */
  subject: string;
  text: string;
  html?: string | null;
  /**
   * Values the Liquid templates in `subject`, `text` and `html` may use as `{{ data.<name> }}`, besides
   * `{{ recipient.email }}` and `{{ recipient.traits.<path> }}` (see notification-template.ts).
   */
  data?: Record<string, unknown> | null;
}

export const notificationRequestedDataSchema: JSONSchemaType<NotificationRequestedData> = {
  type: 'object',
  additionalProperties: false,
  required: requiredKeys<NotificationRequestedData>()(['topic', 'list', 'subject', 'text']),
  properties: {
    topic: { type: 'string', pattern: NOTIFICATION_NAME_PATTERN },
    list: { type: 'string', pattern: NOTIFICATION_NAME_PATTERN },
    // CR or LF in a subject would let a requester inject mail headers.
    subject: { type: 'string', minLength: 1, maxLength: 998, pattern: '^[^\\r\\n]*$' },
    text: { type: 'string', maxLength: NOTIFICATION_BODY_MAX_CHARS },
    html: { type: 'string', maxLength: NOTIFICATION_BODY_MAX_CHARS, nullable: true },
    data: { type: 'object', additionalProperties: true, required: [], nullable: true },
  },
};
