import { v5 as uuidv5 } from 'uuid';
import type { DriftKind, Provider } from './types.js';

/** UUIDv5 namespace of reconciliation repairs (a fixed random UUID). */
export const REPAIR_NAMESPACE = '5a0c6f1e-3b7d-4e2a-9c1f-8d4b2e6a7f30';

/**
 * The message id of a repair: UUIDv5 of provider, external id, kind, the IdP's stamp of the listed state and the
 * stored version it repairs. A second run that sees the same drift (its repair not applied yet) publishes the same
 * id and identity-sync's inbox drops it; new drift — another state at the IdP, or the row changed since — gets a
 * new id, so a state the identity returns to is repaired again.
 */
export function repairMessageId(
  provider: Provider,
  externalId: string,
  kind: DriftKind,
  stamp: string,
  storedVersion: number,
): string {
  return uuidv5(JSON.stringify([provider, externalId, kind, stamp, storedVersion]), REPAIR_NAMESPACE);
}
