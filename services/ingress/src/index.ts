export { createIngress, type IngressDeps } from './app.js';
export type { ConfirmedPublisher } from './publish.js';
