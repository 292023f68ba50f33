import { createHash } from 'node:crypto';
import { EMAIL_PATTERN } from '../privacy/mask.js';

/**
 * Placeholders for the parts of an error message that differ between occurrences of the same
 * failure. Order matters: timestamps and uuids contain numbers and hex, emails contain dots.
 * Each pattern may start a match only at a word or run boundary and scans forward without nested
 * repetition, so the whole normalization is linear in the message length (fingerprint.test.ts
 * checks the growth on the worst inputs found).
 */
const RULES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g, '<time>'],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  // Starts only where a run of local-part characters starts: without that, a long run with no `@`
  // was rescanned from each of its positions (quadratic: 64 KB took 7.9 s).
  [EMAIL_PATTERN, '<email>'],
  // Hex ids (object ids, hashes): at least 8 hex digits with both a letter and a digit.
  [/\b(?:0x)?(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{8,}\b/gi, '<hex>'],
  [/\d+(?:\.\d+)?/g, '<n>'],
];

/** The error message with ids, numbers, emails and times replaced, whitespace collapsed. */
export function normalizeErrorMessage(message: string): string {
  let out = message;
  for (const [pattern, placeholder] of RULES) out = out.replace(pattern, placeholder);
  return out.replace(/\s+/g, ' ').trim();
}

export interface FingerprintInput {
  queue: string;
  messageType: string | null;
  errorClass: string | null;
  error: string | null;
}

/** 16 hex digits (64 bits) of sha256 over queue, type, error class and normalized error text. */
export function fingerprintOf(input: FingerprintInput): string {
  const parts = [
    input.queue,
    input.messageType ?? '',
    input.errorClass ?? '',
    normalizeErrorMessage(input.error ?? ''),
  ];
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
}
