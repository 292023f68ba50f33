export {
  createIdentitySyncWorker,
  CONSUMER_NAME,
  type IdentitySyncDeps,
  type IdentitySyncWorker,
} from './worker.js';
export { OutboxRelay, type OutboxRelayOptions } from './outbox-relay.js';
export { applyIdentityChange } from './repository.js';
export { decide } from './decide.js';
