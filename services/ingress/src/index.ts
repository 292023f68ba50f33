export { createIngress, type IngressDeps } from './app.js';
export type { ConfirmedPublisher } from './publish.js';
export { buildOpenApiDocument, type OpenApiOptions } from './openapi/document.js';
export { ROUTES, type RouteSpec } from './route-table.js';
