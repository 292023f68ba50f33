import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));

function startWith(rulesFile: string) {
  return spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', main], {
    cwd: root,
    encoding: 'utf8',
    timeout: 30_000,
    // Unreachable broker and database: a bad rules file must stop the worker before it connects anywhere.
    env: {
      ...process.env,
      SUBSCRIBER_RULES_FILE: rulesFile,
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:1',
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/x',
      HEALTH_PORT: '0',
    },
  });
}

test('an invalid rules file stops the worker at start with every problem listed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ir-rules-'));
  const file = join(dir, 'rules.yaml');
  writeFileSync(
    file,
    'lists:\n  - list: Educators\n    when: { field: traits.user_type, equal: educator }\n',
  );
  const run = startWith(file);
  expect(run.status).toBe(1);
  expect(run.stderr).toContain(`Invalid subscriber rules in ${file}:`);
  expect(run.stderr).toContain('/lists/0/list: must match pattern');
});

test('a missing rules file is a clear start-up error too', () => {
  const run = startWith('/nonexistent/rules.yaml');
  expect(run.status).toBe(1);
  expect(run.stderr).toMatch(
    /Invalid subscriber rules in \/nonexistent\/rules.yaml:\n- cannot read the file: ENOENT/,
  );
});
