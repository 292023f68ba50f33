/** infra/authentik: the blueprint creates what seed 001 sets up by hand, pointed at the ingress route. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, type Tags } from 'yaml';
import { repoPath } from './repo.js';

// Authentik's blueprint tags, kept as plain data so the structure can be checked.
const tags: Tags = ['!KeyOf', '!Env', '!Format', '!Find'].map((tag) => ({
  tag,
  collection: 'seq' as const,
  resolve: (value: unknown) => ({ [tag]: (value as { toJSON(): unknown }).toJSON() }),
}));
tags.push({ tag: '!KeyOf', resolve: (value: string) => ({ '!KeyOf': value }) });

interface Entry {
  model: string;
  id?: string;
  identifiers: Record<string, unknown>;
  attrs: Record<string, unknown>;
}
const blueprint = parse(readFileSync(repoPath('infra/authentik/identity-relay.blueprint.yaml'), 'utf8'), {
  customTags: tags,
}) as { version: number; entries: Entry[] };
const of = (model: string): Entry[] => blueprint.entries.filter((e) => e.model === model);

describe('infra/authentik/identity-relay.blueprint.yaml', () => {
  it('matches user created, updated and deleted events of authentik_core.user', () => {
    const policies = of('authentik_policies_event_matcher.eventmatcherpolicy');
    expect(policies.map((p) => [p.attrs.action, p.attrs.model])).toEqual([
      ['model_created', 'authentik_core.user'],
      ['model_updated', 'authentik_core.user'],
      ['model_deleted', 'authentik_core.user'],
    ]);
  });

  it('sends once per event to /authentik/webhook with a bearer token header', () => {
    const [transport] = of('authentik_events.notificationtransport');
    expect(transport!.attrs.mode).toBe('webhook');
    expect(transport!.attrs.send_once).toBe(true);
    expect(JSON.stringify(transport!.attrs.webhook_url)).toContain('/authentik/webhook');
    const headers = of('authentik_events.notificationwebhookmapping').find(
      (m) => m.id === 'identity-relay-headers',
    );
    expect(JSON.stringify(headers!.attrs.expression)).toContain('Bearer %s');
    expect(JSON.stringify(headers!.attrs.expression)).toContain('AUTHENTIK_WEBHOOK_TOKEN');
  });

  it('binds every policy to the rule, failing closed', () => {
    const bindings = of('authentik_policies.policybinding');
    expect(bindings).toHaveLength(3);
    for (const binding of bindings) {
      expect(binding.identifiers.target).toEqual({ '!KeyOf': 'rule' });
      expect(binding.attrs).toMatchObject({ enabled: true, failure_result: false });
    }
    const ids = new Set(blueprint.entries.map((e) => e.id));
    for (const binding of bindings)
      expect(ids.has((binding.identifiers.policy as { '!KeyOf': string })['!KeyOf'])).toBe(true);
  });
});
