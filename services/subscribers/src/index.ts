export {
  createSubscribersWorker,
  CONSUMER_NAME,
  type SubscribersDeps,
  type SubscribersWorker,
  type BatchItem,
} from './worker.js';
export { applyIdentityChanges, type ApplyOutcome } from './repository.js';
export { applyUnsubscribe, type OptOutOutcome } from './opt-outs.js';
export { planMembership, type MembershipAction, type SubscriberRow } from './plan.js';
export { loadRules, parseRules, defaultRules, RulesError } from './rules/load.js';
export { evaluate, listsOf, isDeliverableEmail, normalizeEmail } from './rules/evaluate.js';
export type { Condition, ListRule, RulesFile } from './rules/types.js';
