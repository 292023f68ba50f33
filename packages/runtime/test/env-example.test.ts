// Reads the repository's .env.example: it must document exactly the variables the loader reads.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_VARIABLES, defaultOf, loadConfig, SERVICE_NAMES } from '../src/index.js';

const text = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
const lines = text.split('\n');
const ASSIGNMENT = /^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$/;

function documented(): Map<string, { value: string; commented: boolean; comment: string }> {
  const entries = new Map<string, { value: string; commented: boolean; comment: string }>();
  lines.forEach((line, i) => {
    const match = ASSIGNMENT.exec(line);
    if (!match) return;
    const [, name = '', value = ''] = match;
    // The comment is the closest preceding line that is not another assignment.
    let j = i - 1;
    while (j >= 0 && ASSIGNMENT.test(lines[j] ?? '')) j -= 1;
    entries.set(name, { value, commented: line.startsWith('#'), comment: lines[j] ?? '' });
  });
  return entries;
}

describe('.env.example', () => {
  it('lists every variable the loader reads, and nothing else', () => {
    expect([...documented().keys()].sort()).toEqual(ALL_VARIABLES.map((v) => v.env).sort());
  });

  it('gives every variable a comment', () => {
    for (const [name, entry] of documented()) {
      expect(entry.comment, name).toMatch(/^# \S/);
    }
  });

  it('shows the real default wherever it shows a value', () => {
    for (const spec of ALL_VARIABLES) {
      const entry = documented().get(spec.env);
      const fallback = defaultOf(spec);
      if (entry && !entry.commented && entry.value !== '')
        expect(entry.value, spec.env).toBe(String(fallback));
    }
  });

  it('loads as-is for every service in development', () => {
    const env = Object.fromEntries(
      [...documented()].filter(([, e]) => !e.commented).map(([n, e]) => [n, e.value]),
    );
    for (const service of SERVICE_NAMES) expect(() => loadConfig(env, { service })).not.toThrow();
  });
});
