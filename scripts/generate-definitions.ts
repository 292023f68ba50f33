/**
 * `npm run definitions`: writes infra/rabbitmq/definitions.json (the topology from `@identity-relay/bus`
 * with the default RETRY_DELAYS_MS) and the Compose broker's user file. A test fails when they drift.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatedDefinitionFiles } from './definitions.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const [path, content] of Object.entries(generatedDefinitionFiles())) {
  writeFileSync(join(root, path), content);
  console.log(`wrote ${path}`);
}
