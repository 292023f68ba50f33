import { createHash } from 'node:crypto';

/** SHA-256 hex of some bytes, for idempotency keys built from a body. */
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
