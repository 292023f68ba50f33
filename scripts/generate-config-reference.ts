/** `npm run config-reference`: writes docs/configuration.md from the runtime's variable sets. A test fails when it drifts. */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderConfigReference } from '@identity-relay/runtime';

const path = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'configuration.md');
writeFileSync(path, renderConfigReference());
console.log(`wrote ${path}`);
