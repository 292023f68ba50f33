export { createReconcilerService, type ReconcilerService, type ReconcilerServiceDeps } from './service.js';
export { FAILED_RUN_RETRY_MS, isDue } from './schedule.js';
