export {
  createIdentitySyncWorker,
  CONSUMER_NAME,
  type IdentitySyncDeps,
  type IdentitySyncWorker,
} from './worker.js';
export { OutboxRelay, type OutboxRelayOptions } from './outbox-relay.js';
export { applyIdentityChanges, applyInTransaction, type ApplyResults } from './apply.js';
export type { ApplyInput, ApplyResult } from './batch-plan.js';
export { decide } from './decide.js';
