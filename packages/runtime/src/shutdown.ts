import type { Logger } from './logger.js';

export interface ShutdownStep {
  /** Shown in logs, e.g. `http server`, `amqp connection`. */
  name: string;
  run: () => Promise<void>;
}

/** What installShutdown listens on; `process` unless a test passes an EventEmitter. */
export interface ShutdownEvents {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface InstallShutdownOptions {
  logger: Logger;
  /** Total time for all steps together, in milliseconds (usually config.shutdownGraceMs). */
  graceMs: number;
  /** Run in order: stop intake first (HTTP, consumers), then close what they used (broker, pool). */
  steps: readonly ShutdownStep[];
  /** (default=process.exit) Called once with the exit code when shutdown ends. */
  exit?: (code: number) => void;
  /** (default=process) Source of SIGTERM/SIGINT/uncaughtException/unhandledRejection. */
  events?: ShutdownEvents;
}

export interface ShutdownHandle {
  /** Runs the steps once (later calls return the same promise) and then exits. */
  shutdown(reason: string): Promise<void>;
  /** Removes the signal and crash listeners (tests; the process normally exits instead). */
  uninstall(): void;
}

type StepOutcome = 'done' | 'failed' | 'timed out' | 'skipped';
interface StepResult {
  outcome: StepOutcome;
  error?: unknown;
}

async function runBounded(
  step: ShutdownStep,
  ms: number,
): Promise<{ outcome: StepOutcome; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<StepResult>((resolve) => {
    timer = setTimeout(() => resolve({ outcome: 'timed out' }), ms);
  });
  const run = Promise.resolve()
    .then(() => step.run())
    .then(
      () => ({ outcome: 'done' as const }),
      (error: unknown) => ({ outcome: 'failed' as const, error }),
    );
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function logStep(logger: Logger, step: ShutdownStep, result: StepResult, ms: number): void {
  const fields = {
    step: step.name,
    outcome: result.outcome,
    ms,
    ...(result.error === undefined ? {} : { err: result.error }),
  };
  if (result.outcome === 'done') logger.info(fields, `shutdown step ${step.name} done`);
  else logger.error(fields, `shutdown step ${step.name} ${result.outcome}`);
}

/** Runs the steps in order within one shared deadline; true when every step finished in time. */
async function runSteps(logger: Logger, graceMs: number, steps: readonly ShutdownStep[]): Promise<boolean> {
  const deadline = Date.now() + graceMs;
  const outcomes: StepOutcome[] = [];
  for (const step of steps) {
    const remaining = deadline - Date.now();
    const started = Date.now();
    // A timed-out step used up the grace even if the clock says a millisecond is left.
    const exhausted = remaining <= 0 || outcomes.includes('timed out');
    const result: StepResult = exhausted ? { outcome: 'skipped' } : await runBounded(step, remaining);
    logStep(logger, step, result, Date.now() - started);
    outcomes.push(result.outcome);
  }
  return outcomes.every((outcome) => outcome === 'done');
}

/**
 * Graceful shutdown for a service's `main`. The first SIGTERM/SIGINT runs `steps` in order, each
 * bounded by what is left of `graceMs`, then exits 0 — or 1 when a step failed, timed out or
 * was skipped because the grace ran out. A second signal exits 1 at once. An uncaught exception or
 * unhandled rejection is logged and also shuts down, with exit code 1.
 */
export function installShutdown(opts: InstallShutdownOptions): ShutdownHandle {
  const { logger, graceMs, steps } = opts;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const events = opts.events ?? process;
  let running: Promise<void> | undefined;
  let exitCode = 0;
  let signals = 0;

  const shutdown = (reason: string): Promise<void> => {
    running ??= (async () => {
      logger.info({ reason, graceMs, steps: steps.map((s) => s.name) }, `shutting down: ${reason}`);
      if (!(await runSteps(logger, graceMs, steps))) exitCode = 1;
      logger.info({ reason, exitCode }, 'shutdown complete');
      logger.flush();
      uninstall();
      exit(exitCode);
    })();
    return running;
  };

  const onSignal = (signal: string) => {
    signals += 1;
    if (signals > 1) {
      logger.fatal({ signal }, `${signal} received again during shutdown; exiting now`);
      logger.flush();
      exit(1);
      return;
    }
    void shutdown(signal);
  };
  const onSigterm = () => onSignal('SIGTERM');
  const onSigint = () => onSignal('SIGINT');
  const onCrash = (kind: string) => (error: unknown) => {
    exitCode = 1;
    logger.fatal({ err: error, kind }, `${kind}; shutting down`);
    void shutdown(kind);
  };
  const onUncaught = onCrash('uncaughtException');
  const onUnhandled = onCrash('unhandledRejection');

  function uninstall(): void {
    events.off('SIGTERM', onSigterm);
    events.off('SIGINT', onSigint);
    events.off('uncaughtException', onUncaught);
    events.off('unhandledRejection', onUnhandled);
  }

  events.on('SIGTERM', onSigterm);
  events.on('SIGINT', onSigint);
  events.on('uncaughtException', onUncaught);
  events.on('unhandledRejection', onUnhandled);
  return { shutdown, uninstall };
}
