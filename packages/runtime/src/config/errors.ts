/**
 * The configuration cannot be used. Fatal: the process must not start. `problems` lists every
 * problem found (one `VAR: what is wrong` line each), so an operator fixes them in one round.
 */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly problems: readonly string[];

  constructor(problems: readonly string[], options?: { cause?: unknown }) {
    super(formatProblems(problems), options);
    this.name = 'ConfigError';
    this.problems = Object.freeze([...problems]);
  }
}

function formatProblems(problems: readonly string[]): string {
  const noun = problems.length === 1 ? 'problem' : 'problems';
  return [`Invalid configuration (${problems.length} ${noun}):`, ...problems.map((p) => `- ${p}`)].join('\n');
}

/** Text for an operator: every problem and where the variables are documented. */
export function formatConfigError(error: ConfigError): string {
  return `${error.message}\nEvery variable is documented in .env.example.`;
}
