import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { compile, formatErrors } from '@identity-relay/contracts';
import { rulesFileSchema, type ListRule, type RulesFile } from './types.js';

/** The rules file cannot be used. Fatal at start: the worker must not run with rules it did not understand. */
export class RulesError extends Error {
  readonly code = 'RULES_INVALID';
  readonly problems: readonly string[];

  constructor(file: string, problems: readonly string[], options?: { cause?: unknown }) {
    super([`Invalid subscriber rules in ${file}:`, ...problems.map((p) => `- ${p}`)].join('\n'), options);
    this.name = 'RulesError';
    this.problems = problems;
  }
}

const validate = compile<RulesFile>(rulesFileSchema);

/** The built-in rules when SUBSCRIBER_RULES_FILE is unset: `educators` = traits.<typeTrait> equals "educator". */
export function defaultRules(typeTrait: string): ListRule[] {
  return [{ list: 'educators', when: { field: `traits.${typeTrait}`, equals: 'educator' } }];
}

/** Parses and validates rules text; `.json` is JSON, anything else YAML (a superset of JSON). */
export function parseRules(text: string, file: string): ListRule[] {
  let document: unknown;
  try {
    document = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new RulesError(
      file,
      [`not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`],
      { cause: err },
    );
  }
  if (!validate(document)) {
    // oneOf reports every branch; the most specific messages come first, so keep a readable handful.
    throw new RulesError(file, formatErrors(validate.errors).slice(0, 10));
  }
  const names = document.lists.map((l) => l.list);
  const duplicates = names.filter((name, i) => names.indexOf(name) !== i);
  if (duplicates.length > 0)
    throw new RulesError(file, [`list defined twice: ${[...new Set(duplicates)].join(', ')}`]);
  return document.lists;
}

/** Reads the rules file, or returns the built-in rules when `file` is undefined. */
export async function loadRules(file: string | undefined, opts: { typeTrait: string }): Promise<ListRule[]> {
  if (file === undefined) return defaultRules(opts.typeTrait);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new RulesError(file, [`cannot read the file: ${(err as Error).message}`], { cause: err });
  }
  return parseRules(text, file);
}
