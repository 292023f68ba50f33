import { v5 as uuidv5 } from 'uuid';

// Message ids derived from what a caller sends, so that a retry of one delivery gets the same id and every
// consumer's inbox drops the second copy. They are dedup keys: changing how one is derived would let the
// retry of a delivery accepted before an upgrade through as a new message, so each derivation is pinned by
// a test with ids produced by earlier versions.

const encoder = new TextEncoder();

/**
 * The CloudEvent id of one IdP delivery: `source` names what `key` is (`kratos:sync-identity`,
 * `authentik:event`, ...). It is the RFC 9562 UUIDv5 (SHA-1) of the UTF-8 string `source:key`, read as a
 * namespace — its first 16 bytes — and a name — the rest. That is exactly what the ingress computed before
 * it used `uuid` (the SHA-1 of the joined string with the version-5 bits set), so ids stay the same across
 * the upgrade; hence the odd split, and the rule that `source:` is at least 16 bytes long.
 */
export function stableEventId(source: string, key: string): string {
  const prefix = encoder.encode(`${source}:`);
  if (prefix.length < 16) throw new RangeError(`event id source "${source}" must be at least 15 bytes`);
  const name = new Uint8Array([...prefix.subarray(16), ...encoder.encode(key)]);
  return uuidv5(name, prefix.subarray(0, 16));
}

/** Namespace of notification ids derived from an Idempotency-Key (UUIDv5, RFC 9562 §5.5). */
export const IDEMPOTENCY_NAMESPACE = '6f1c2a0e-3b7d-4c1e-9a57-2d8e4b6f0c31';

/** The notification id of `POST /notifications` with `Idempotency-Key: key`: UUIDv5 of the key. */
export function idempotentNotificationId(key: string): string {
  return uuidv5(key, IDEMPOTENCY_NAMESPACE);
}

/** The CloudEvent id of `POST /kratos/sync-identity` with `Ory-Webhook-Trigger-ID: triggerId`. */
export function kratosSyncEventId(triggerId: string): string {
  return stableEventId('kratos:sync-identity', triggerId);
}
