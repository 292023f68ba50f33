export { runChaos, type RunOptions } from './run.js';
export { clusterPlan, shortPlan, longPlan, type ChaosPlan } from './plan.js';
export { createClusterEnvironment } from './environment.js';
export { RabbitCluster } from './rabbit-cluster.js';
export { failures, formatReport, type ChaosReport } from './report.js';
export type { FaultName, FaultRecord, LoadFault, MailFault } from './faults.js';
