/**
 * The subset of Go templates (text/template + the few Sprig functions) the identity-relay chart uses,
 * so its templates can be rendered where `helm` cannot be installed. Supported: `{{- -}}` trimming,
 * `if`/`else`/`end` (Go truthiness), `range $k, $v := <map>` (sorted keys, like Go), `$x := <pipeline>`, fields of `.`,
 * `$` and variables, string/number literals, parentheses, pipelines, and the functions in FUNCTIONS.
 * Anything else throws, so a template that outgrows the subset fails loudly instead of rendering wrong.
 */
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; expr: string }
  | { kind: 'if'; cond: string; then: Node[]; else: Node[] }
  | { kind: 'range'; key: string; value: string; expr: string; body: Node[] };

type Scope = { dot: unknown; root: unknown; vars: Record<string, unknown> };

export class TemplateError extends Error {
  readonly code = 'TEMPLATE_UNSUPPORTED';
}

/** A `required` value was empty: the render fails with the chart's message, as `helm install` would. */
export class RequiredValueError extends Error {
  readonly code = 'VALUE_REQUIRED';
}

/** Splits into text and `{{ }}` actions, applying `{{-` / `-}}` whitespace trimming. */
function tokenize(source: string): { text?: string; action?: string }[] {
  const tokens: { text?: string; action?: string }[] = [];
  const pattern = /\{\{(-?)\s*(.*?)\s*(-?)\}\}/gs;
  let last = 0;
  let trimNext = false;
  for (const match of source.matchAll(pattern)) {
    let text = source.slice(last, match.index);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (match[1] === '-') text = text.replace(/\s+$/, '');
    tokens.push({ text }, { action: match[2]! });
    trimNext = match[3] === '-';
    last = match.index + match[0].length;
  }
  let tail = source.slice(last);
  if (trimNext) tail = tail.replace(/^\s+/, '');
  tokens.push({ text: tail });
  return tokens;
}

function parse(tokens: { text?: string; action?: string }[]): Node[] {
  let i = 0;
  function block(stops: string[]): { nodes: Node[]; stop: string } {
    const nodes: Node[] = [];
    while (i < tokens.length) {
      const token = tokens[i++]!;
      if (token.text !== undefined) {
        if (token.text) nodes.push({ kind: 'text', text: token.text });
        continue;
      }
      const action = token.action!;
      if (action.startsWith('/*')) continue;
      const word = action.split(/\s+/)[0]!;
      if (stops.includes(word)) return { nodes, stop: word };
      if (word === 'if') {
        const then = block(['else', 'end']);
        const otherwise = then.stop === 'else' ? block(['end']).nodes : [];
        nodes.push({ kind: 'if', cond: action.slice(3), then: then.nodes, else: otherwise });
      } else if (word === 'range') {
        const m = /^range\s+(\$\w+)\s*,\s*(\$\w+)\s*:=\s*(.+)$/.exec(action);
        if (!m) throw new TemplateError(`unsupported range: ${action}`);
        nodes.push({ kind: 'range', key: m[1]!, value: m[2]!, expr: m[3]!, body: block(['end']).nodes });
      } else if (['with', 'define', 'template', 'block', 'else', 'end'].includes(word)) {
        throw new TemplateError(`unsupported action: ${action}`);
      } else nodes.push({ kind: 'action', expr: action });
    }
    if (stops.length > 0) throw new TemplateError(`missing {{ end }} (expected ${stops.join('/')})`);
    return { nodes, stop: '' };
  }
  return block([]).nodes;
}

function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

function field(value: unknown, path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || current === undefined) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function indent(spaces: number, text: string): string {
  return text
    .split('\n')
    .map((line) => ' '.repeat(spaces) + line)
    .join('\n');
}

const FUNCTIONS: Record<string, (...args: unknown[]) => unknown> = {
  quote: (value) => JSON.stringify(String(value ?? '')),
  default: (fallback, value) => (truthy(value) ? value : fallback),
  toYaml: (value) => stringify(value).replace(/\n$/, ''),
  nindent: (spaces, text) => `\n${indent(Number(spaces), String(text))}`,
  indent: (spaces, text) => indent(Number(spaces), String(text)),
  not: (value) => !truthy(value),
  /** Fails the render like Helm's `required` when the value is empty. */
  required: (message, value) => {
    if (value === undefined || value === null || value === '') throw new RequiredValueError(String(message));
    return value;
  },
  randAlphaNum: (count) => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    return Array.from(randomBytes(Number(count)), (b) => alphabet[b % alphabet.length]).join('');
  },
  b64dec: (value) => Buffer.from(String(value), 'base64').toString('utf8'),
  /** Sprig `dig "k1" "k2" default map`. */
  dig: (...args) => {
    const map = args.pop();
    const fallback = args.pop();
    const found = field(map, args.map(String));
    return found === undefined || found === null ? fallback : found;
  },
  printf: (format, ...args) => {
    let n = 0;
    return String(format).replace(/%[sd]/g, () => String(args[n++]));
  },
};

/** Splits on a separator outside quotes and parentheses. */
function splitTop(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' && text[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && text.startsWith(separator, i)) {
      parts.push(text.slice(start, i).trim());
      start = i + separator.length;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((p) => p !== '');
}

function operand(text: string, scope: Scope): unknown {
  if (text.startsWith('(') && text.endsWith(')')) return pipeline(text.slice(1, -1), scope);
  if (text.startsWith('"')) return JSON.parse(text) as string;
  if (/^-?\d+$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === '.') return scope.dot;
  if (text.startsWith('.')) return field(scope.dot, text.slice(1).split('.'));
  if (text === '$') return scope.root;
  if (text.startsWith('$.')) return field(scope.root, text.slice(2).split('.'));
  const variable = /^(\$\w+)((?:\.\w[\w-]*)*)$/.exec(text);
  if (variable) {
    if (!(variable[1]! in scope.vars)) throw new TemplateError(`undefined variable ${variable[1]}`);
    return field(scope.vars[variable[1]!], variable[2] ? variable[2].slice(1).split('.') : []);
  }
  throw new TemplateError(`unsupported operand: ${text}`);
}

/**
 * Helm's `lookup`: what the cluster holds, from the root's `Cluster` map (`"<kind>/<namespace>/<name>"` → object);
 * an empty map when absent, as `helm template` and a first install see it.
 */
function lookup(scope: Scope, args: unknown[]): unknown {
  const [, kind, namespace, name] = args.map(String);
  const cluster = (scope.root as { Cluster?: Record<string, unknown> }).Cluster ?? {};
  return cluster[`${kind}/${namespace}/${name}`] ?? {};
}

function command(text: string, scope: Scope, piped: unknown[]): unknown {
  const words = splitTop(text, ' ');
  if (words[0] === 'lookup')
    return lookup(scope, [...words.slice(1).map((w) => operand(w, scope)), ...piped]);
  const fn = FUNCTIONS[words[0]!];
  if (!fn) {
    if (words.length > 1 || piped.length > 0) throw new TemplateError(`unknown function: ${words[0]}`);
    return operand(words[0]!, scope);
  }
  return fn(...words.slice(1).map((w) => operand(w, scope)), ...piped);
}

function pipeline(text: string, scope: Scope): unknown {
  let value: unknown[] = [];
  for (const part of splitTop(text, '|')) value = [command(part, scope, value)];
  return value[0];
}

function print(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') throw new TemplateError('printing a map or list needs toYaml');
  return String(value);
}

function render(nodes: Node[], scope: Scope): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') out += node.text;
    else if (node.kind === 'action') {
      const assignment = /^(\$\w+)\s*:=\s*(.+)$/s.exec(node.expr);
      if (assignment) scope.vars[assignment[1]!] = pipeline(assignment[2]!, scope);
      else out += print(pipeline(node.expr, scope));
    } else if (node.kind === 'if')
      out += render(truthy(pipeline(node.cond, scope)) ? node.then : node.else, scope);
    else {
      const collection = pipeline(node.expr, scope);
      const entries = Array.isArray(collection)
        ? collection.map((v, k) => [k, v] as const)
        : Object.entries((collection ?? {}) as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
      for (const [key, value] of entries) {
        out += render(node.body, {
          ...scope,
          dot: value,
          vars: { ...scope.vars, [node.key]: key, [node.value]: value },
        });
      }
    }
  }
  return out;
}

/** Renders one template with `.` = root (Values, Release, Chart, …), as `helm template` would. */
export function renderTemplate(source: string, root: Record<string, unknown>): string {
  return render(parse(tokenize(source)), { dot: root, root, vars: {} });
}
