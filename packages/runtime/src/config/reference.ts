import { ALL_VARIABLES, SERVICE_NAMES, variablesOf } from './services.js';
import { defaultOf, type AnyVariable } from './variable.js';

/** How an unset variable is filled, for a reader. */
function fallbackText(variable: AnyVariable): string {
  switch (variable.fill.kind) {
    case 'default':
      return `\`${variable.fill.value}\``;
    case 'derived':
      return 'derived (see `.env.example`)';
    case 'secret':
      return variable.fill.unless
        ? 'generated outside production, when needed'
        : 'generated outside production';
    default:
      return '—';
  }
}

/** The services that read `env`; each with its own default when they differ (HEALTH_PORT). */
function readers(env: string): string {
  const own = SERVICE_NAMES.flatMap((service) => {
    const variable = variablesOf(service).find((v) => v.env === env);
    return variable ? [{ service, fallback: defaultOf(variable) }] : [];
  });
  const differ = new Set(own.map((o) => o.fallback)).size > 1;
  return own.map((o) => (differ ? `${o.service} (\`${o.fallback}\`)` : o.service)).join(', ');
}

/** The default shown in the table: per reader in `readers` when they differ. */
function defaultText(variable: AnyVariable): string {
  const defaults = new Set(
    SERVICE_NAMES.flatMap((s) =>
      variablesOf(s)
        .filter((v) => v.env === variable.env)
        .map(defaultOf),
    ),
  );
  return defaults.size > 1 ? 'per service' : fallbackText(variable);
}

/**
 * `docs/configuration.md`: every variable, which processes read it, its default and what it accepts, generated
 * from the variable sets so it cannot drift (`npm run config-reference`; a test compares).
 */
export function renderConfigReference(): string {
  const rows = ALL_VARIABLES.map(
    (v) => `| \`${v.env}\` | ${readers(v.env)} | ${defaultText(v)} | ${v.expect.replace(/\|/g, '\\|')} |`,
  );
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from packages/runtime/src/config (services.ts, variables.ts) by `npm run config-reference`; do not edit. -->',
    '',
    'Each process validates only the variables it reads: a bad value of a variable a process does not read never',
    'stops it. What each variable does is in [`.env.example`](../.env.example) and the table in the README.',
    '',
    '| variable | read by | default | accepts |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
