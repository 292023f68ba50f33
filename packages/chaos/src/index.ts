export { runChaos, type RunOptions } from './run.js';
export { shortPlan, longPlan, type ChaosPlan } from './plan.js';
export { failures, formatReport, type ChaosReport } from './report.js';
export type { FaultName, FaultRecord, LoadFault, MailFault } from './faults.js';
