import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import { compile, formatErrors } from '@identity-relay/contracts';
import { compilePolicy, type CompiledPolicy } from './evaluate.js';
import { policySchema, type Policy } from './schema.js';

export class PolicyError extends Error {
  constructor(
    readonly code: 'POLICY_UNREADABLE' | 'POLICY_SYNTAX' | 'POLICY_INVALID',
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'PolicyError';
  }
}

const validatePolicy = compile<Policy>(policySchema);

/** Parses and validates policy text (YAML, of which JSON is a subset). */
export function parsePolicy(text: string, source: string): CompiledPolicy {
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new PolicyError('POLICY_SYNTAX', `${source}: not YAML or JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  // An empty file is the empty policy: everything allowed.
  if (doc === null || doc === undefined) doc = {};
  if (!validatePolicy(doc)) {
    throw new PolicyError('POLICY_INVALID', `${source}: ${formatErrors(validatePolicy.errors).join('; ')}`);
  }
  try {
    return compilePolicy(doc);
  } catch (err) {
    throw new PolicyError('POLICY_INVALID', `${source}: username.pattern: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

export async function loadPolicyFile(path: string): Promise<CompiledPolicy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new PolicyError('POLICY_UNREADABLE', `${path}: ${(err as Error).message}`, { cause: err });
  }
  return parsePolicy(text, path);
}

/** The policy in force; `reload` swaps it only when the new file is valid. */
export interface PolicyStore {
  current(): CompiledPolicy;
  /** Re-reads the file; on any problem keeps the last good policy, logs why and returns false. */
  reload(): Promise<boolean>;
}

/** With no file everything is allowed and no roles are granted. */
export const ALLOW_ALL: CompiledPolicy = compilePolicy({});

/** Loads the policy at start (throwing a PolicyError when it is bad: refuse to start on a broken policy). */
export async function createPolicyStore(opts: { file?: string; logger: Logger }): Promise<PolicyStore> {
  const { file, logger } = opts;
  let policy = file ? await loadPolicyFile(file) : ALLOW_ALL;
  return {
    current: () => policy,
    async reload() {
      if (!file) return true;
      try {
        policy = await loadPolicyFile(file);
        logger.info({ file }, 'policy reloaded');
        return true;
      } catch (err) {
        logger.error({ err, file }, 'policy reload failed; keeping the last good policy');
        return false;
      }
    },
  };
}

/** A store over a fixed policy, for tests and embedding. */
export function staticPolicyStore(policy: CompiledPolicy): PolicyStore {
  return { current: () => policy, reload: async () => true };
}
