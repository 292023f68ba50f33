// The `identity-relay` command line (services/ops/bin/identity-relay.mjs runs it). An entry point,
// so it reads the environment (through the config loader) and sets the exit code:
//   0 success · 1 not found, conflict or failure · 2 bad arguments or configuration
import { CommanderError } from 'commander';
import { ConfigError, formatConfigError, loadConfig } from '@identity-relay/runtime';
import { BadRequestError, ConflictError, InvalidMessageError, NotFoundError } from '../errors.js';
import { CliContext } from './context.js';
import { createProgram, ExitCode } from './program.js';

const io = {
  out: (text: string) => process.stdout.write(`${text}\n`),
  err: (text: string) => process.stderr.write(`${text}\n`),
};

let context: CliContext | undefined;
const ctx = (): CliContext => (context ??= new CliContext(loadConfig(process.env, { service: 'cli' })));

function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version end in a CommanderError with exit code 0.
    if (err.exitCode !== 0) return 2;
    return 0;
  }
  if (err instanceof BadRequestError || err instanceof InvalidMessageError) {
    io.err(`error: ${err.message}`);
    return 2;
  }
  if (err instanceof ConfigError) {
    io.err(`error: ${formatConfigError(err)}`);
    return 2;
  }
  if (err instanceof NotFoundError || err instanceof ConflictError) {
    io.err(`error: ${err.message}`);
    return 1;
  }
  const e = err as { name?: string; code?: unknown; message?: string };
  if (e.code === 'P2021')
    io.err('error: the database has no dead_letters table yet; run `identity-relay migrate`');
  else
    io.err(
      `error: ${e.name ?? 'Error'}${typeof e.code === 'string' ? ` ${e.code}` : ''}: ${e.message ?? String(err)}`,
    );
  return 1;
}

const exit = new ExitCode();
try {
  await createProgram(ctx, io, exit).parseAsync(process.argv);
  process.exitCode = exit.value;
} catch (err) {
  process.exitCode = exitCodeOf(err);
} finally {
  await context?.close();
}
