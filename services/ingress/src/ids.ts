import { createHash } from 'node:crypto';

/**
 * A UUID (version 5 layout, SHA-1 of `namespace:key`) that is the same every time for the same key. An IdP's
 * retry of one delivery (same Kratos trigger id, same Authentik event) thus publishes the same CloudEvent id,
 * and the consumers' inbox drops the second copy.
 */
export function stableEventId(namespace: string, key: string): string {
  const hash = createHash('sha1').update(`${namespace}:${key}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50; // version 5
  hash[8] = (hash[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** SHA-256 hex of some bytes, for idempotency keys built from a body. */
export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
