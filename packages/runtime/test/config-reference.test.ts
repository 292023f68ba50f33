// docs/configuration.md is generated from the variable sets (`npm run config-reference`).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigReference, variablesOf } from '../src/index.js';

describe('docs/configuration.md', () => {
  it('is what `npm run config-reference` generates from the variable sets', () => {
    const file = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
    expect(file).toBe(renderConfigReference());
  });
});

describe('service READMEs', () => {
  const services = ['ingress', 'identity-sync', 'subscribers', 'notifier', 'ops', 'reconciler'] as const;

  it.each(services)('%s names every variable it validates', (service) => {
    const readme = readFileSync(new URL(`../../../services/${service}/README.md`, import.meta.url), 'utf8');
    const missing = variablesOf(service).filter((v) => !readme.includes(`\`${v.env}\``));
    expect(missing.map((v) => v.env)).toEqual([]);
  });
});
