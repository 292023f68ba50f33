/**
 * infra/rabbitmq: the committed definitions match the topology-as-data, and the real broker accepts
 * them (imported into a throwaway vhost / user, so the shared broker's `/` is never touched).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { QUEUES, deadQueueName, retryQueueName } from '@identity-relay/bus';
import {
  COMPOSE_PASSWORD,
  COMPOSE_USER,
  DEFINITIONS_FILE,
  defaultRetryDelays,
  generatedDefinitionFiles,
} from '../../scripts/definitions.js';
import { repoPath } from './repo.js';

const run = promisify(execFile);
const rabbitmqctl = async (...args: string[]): Promise<string> =>
  (await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000 })).stdout;

interface Definitions {
  vhosts?: { name: string }[];
  users?: { name: string }[];
  permissions?: { user: string; vhost: string }[];
  exchanges?: { vhost: string }[];
  queues?: { name: string; vhost: string; arguments: Record<string, unknown> }[];
  bindings?: { vhost: string }[];
}

/** The same definitions moved to another vhost (and user), so the import cannot touch shared state. */
function relocate(defs: Definitions, vhost: string, user?: string): Definitions {
  const moved = structuredClone(defs);
  moved.vhosts = [{ name: vhost }];
  for (const list of [moved.exchanges, moved.queues, moved.bindings, moved.permissions]) {
    for (const item of list ?? []) item.vhost = vhost;
  }
  if (user) {
    for (const u of moved.users ?? []) u.name = user;
    for (const p of moved.permissions ?? []) p.user = user;
  }
  return moved;
}

const vhost = `ir-test-defs-${randomBytes(5).toString('hex')}`;
const user = `ir-test-user-${randomBytes(5).toString('hex')}`;
const workDir = mkdtempSync(join(tmpdir(), 'ir-defs-'));
chmodSync(workDir, 0o755);

/** Writes `defs` where the broker's CLI can read them: it may run as the `rabbitmq` user, not as us. */
async function importDefinitions(defs: Definitions): Promise<void> {
  const file = join(workDir, `${randomBytes(4).toString('hex')}.json`);
  writeFileSync(file, JSON.stringify(defs), { mode: 0o644 });
  await rabbitmqctl('import_definitions', file);
}

afterAll(async () => {
  await rabbitmqctl('delete_vhost', vhost).catch(() => undefined);
  await rabbitmqctl('delete_user', user).catch(() => undefined);
  rmSync(workDir, { recursive: true, force: true });
});

describe('infra/rabbitmq definitions', () => {
  it('are what `npm run definitions` generates from the bus topology (run it after changing the topology)', () => {
    for (const [path, expected] of Object.entries(generatedDefinitionFiles())) {
      expect(readFileSync(repoPath(path), 'utf8'), `${path} is stale: run npm run definitions`).toBe(
        expected,
      );
    }
  });

  it('declare every work queue with one retry queue per default delay and a dead queue', () => {
    const defs = JSON.parse(readFileSync(repoPath(DEFINITIONS_FILE), 'utf8')) as Definitions;
    const names = (defs.queues ?? []).map((q) => q.name);
    for (const queue of Object.values(QUEUES)) {
      expect(names).toContain(queue);
      expect(names).toContain(deadQueueName(queue));
      for (const delay of defaultRetryDelays()) expect(names).toContain(retryQueueName(queue, delay));
    }
  });

  it('are accepted by the real broker, with quorum queues and their arguments', async () => {
    const defs = JSON.parse(readFileSync(repoPath(DEFINITIONS_FILE), 'utf8')) as Definitions;
    await importDefinitions(relocate(defs, vhost));
    const listed = await rabbitmqctl(
      'list_queues',
      '-p',
      vhost,
      '--formatter',
      'json',
      'name',
      'type',
      'arguments',
    );
    const queues = JSON.parse(listed) as { name: string; type: string }[];
    expect(queues.map((q) => q.name).sort()).toEqual((defs.queues ?? []).map((q) => q.name).sort());
    expect(new Set(queues.map((q) => q.type))).toEqual(new Set(['quorum']));
    const bindings = await rabbitmqctl(
      'list_bindings',
      '-p',
      vhost,
      'source_name',
      'destination_name',
      'routing_key',
    );
    expect(bindings).toContain(QUEUES.identitySync);
  });

  it('carry a Compose user whose password hash the broker verifies', async () => {
    const users = JSON.parse(
      readFileSync(repoPath('infra/rabbitmq/compose-users.json'), 'utf8'),
    ) as Definitions;
    expect(users.users?.[0]?.name).toBe(COMPOSE_USER);
    await importDefinitions(relocate(users, vhost, user));
    await expect(rabbitmqctl('authenticate_user', user, COMPOSE_PASSWORD)).resolves.toBeDefined();
    await expect(rabbitmqctl('authenticate_user', user, 'wrong-password')).rejects.toThrow();
  });
});
