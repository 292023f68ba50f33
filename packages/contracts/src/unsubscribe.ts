import type { JSONSchemaType } from 'ajv';
import { NOTIFICATION_NAME_PATTERN } from './notification.js';
import { requiredKeys } from './required-keys.js';

/** One plain email address: no whitespace, control-free of list syntax (`<>,;:"()[]\\`), exactly one `@`. */
export const SINGLE_ADDRESS_PATTERN = '^[^\\s<>,;:"()\\[\\]\\\\@]+@[^\\s<>,;:"()\\[\\]\\\\@]+$';

/** How the person asked: the one-click POST of RFC 8058 (mail clients) or the button of the confirmation page. */
export type UnsubscribeMethod = 'one-click' | 'page';

/**
 * `data` of an `UnsubscribeRequested` message, published by the ingress when a signed unsubscribe link is
 * used; the subscribers worker records the opt-out of (`list`, `email`), which rules never undo.
 */
export interface UnsubscribeRequestedData {
  list: string;
  /** The lower-cased address the token names. */
  email: string;
  method: UnsubscribeMethod;
}

export const unsubscribeRequestedDataSchema: JSONSchemaType<UnsubscribeRequestedData> = {
  type: 'object',
  additionalProperties: false,
  required: requiredKeys<UnsubscribeRequestedData>()(['list', 'email', 'method']),
  properties: {
    list: { type: 'string', pattern: NOTIFICATION_NAME_PATTERN },
    // One address, no whitespace, control characters or list syntax (as subscribers stores them).
    email: {
      type: 'string',
      minLength: 3,
      maxLength: 254,
      pattern: SINGLE_ADDRESS_PATTERN,
    },
    method: { type: 'string', enum: ['one-click', 'page'] },
  },
};
