// `npm run bench [-- options]`: runs the benchmark scenarios against the real services, writes
// bench/results/<timestamp>.json (rewritten after every scenario, so a run cut short keeps what it measured)
// and regenerates docs/benchmarks.md at the end. Not part of `npm test`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { BenchContext } from './lib/context.js';
import { writeReport } from './lib/report.js';
import type { RunResult, ScenarioResult } from './lib/results.js';
import { DEFAULT_READY_TIMEOUT_MS, killStarted, ROOT } from './lib/services.js';
import { SCENARIOS } from './scenarios/index.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

const program = new Command('bench')
  .description('identity-relay benchmarks with same-run baselines')
  .option('--only <ids>', `comma-separated scenarios (${Object.keys(SCENARIOS).join(', ')})`)
  .option('--quick', 'tiny sizes: checks the harness works, figures mean little', false)
  .option('--http-seconds <n>', 'seconds of load per server in the ingress scenario', positiveInt, 10)
  .option('--drain-messages <n>', 'messages preloaded for the identity-sync drain', positiveInt, 50_000)
  .option('--sweep <sizes>', 'drain: also sweep BATCH_SIZE over these comma-separated values', '')
  .option('--drain-env <pairs>', 'drain: extra KEY=VALUE,... for the batched identity-sync', '')
  .option('--e2e-seconds <n>', 'seconds of paced load in the end-to-end scenario', positiveInt, 20)
  .option('--scale-messages <n>', 'messages per replica count in the scale scenario', positiveInt, 6000)
  .option('--subscribers <n>', 'subscribers in the notifier scenario', positiveInt, 20_000)
  .option(
    '--notifier-templates',
    'notifier: also send a templated notification (per-recipient traits)',
    false,
  )
  .option('--memory-seconds <n>', 'seconds of sustained load in the memory scenario', positiveInt, 300)
  .option(
    '--reconcile-identities <n>',
    'identities at the Kratos admin-API stand-in in the reconcile scenario',
    positiveInt,
    100_000,
  )
  .option(
    '--ready-seconds <n>',
    'seconds a started service may take to be ready',
    positiveInt,
    DEFAULT_READY_TIMEOUT_MS / 1000,
  )
  .option('--cpu-prof', 'run the services with node --cpu-prof (profiles in the run directory)', false)
  .option('--no-build', 'do not run `npm run build` first (the services run from their compiled dist/)')
  .option('--no-docs', 'do not regenerate docs/benchmarks.md')
  .option('--report <file>', 'only regenerate docs/benchmarks.md from a results file');

interface Options {
  only?: string;
  quick: boolean;
  httpSeconds: number;
  drainMessages: number;
  sweep: string;
  drainEnv: string;
  e2eSeconds: number;
  scaleMessages: number;
  subscribers: number;
  notifierTemplates: boolean;
  memorySeconds: number;
  reconcileIdentities: number;
  readySeconds: number;
  cpuProf: boolean;
  build: boolean;
  docs: boolean;
  report?: string;
}

async function main(): Promise<void> {
  program.parse();
  const opts = program.opts<Options>();
  if (opts.report) {
    const run = JSON.parse(readFileSync(opts.report, 'utf8')) as RunResult;
    console.log(`wrote ${writeReport(run, opts.report)}`);
    return;
  }
  if (opts.build) {
    // The services run as production runs them, compiled (node services/<name>/dist/main.js).
    console.log('== npm run build');
    const built = spawnSync('npm', ['run', 'build', '--', '--output-logs=errors-only'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
    if (built.status !== 0) throw new Error(`npm run build failed (${built.status ?? built.signal})`);
  }
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const runDir = join(ROOT, 'var', 'bench', stamp);
  mkdirSync(runDir, { recursive: true });
  const ctx: BenchContext = {
    runDir,
    cpuProfDir: opts.cpuProf ? join(runDir, 'profiles') : undefined,
    httpSeconds: opts.quick ? 2 : opts.httpSeconds,
    drainMessages: opts.quick ? 2000 : opts.drainMessages,
    drainEnv: Object.fromEntries(
      opts.drainEnv
        .split(',')
        .filter(Boolean)
        .map((pair) => pair.split('=', 2) as [string, string]),
    ),
    sweepBatchSizes: opts.sweep ? opts.sweep.split(',').map((s) => positiveInt(s.trim())) : [],
    e2eSeconds: opts.quick ? 3 : opts.e2eSeconds,
    scaleMessages: opts.quick ? 300 : opts.scaleMessages,
    notifierSubscribers: opts.quick ? 200 : opts.subscribers,
    notifierTemplates: opts.notifierTemplates,
    memorySeconds: opts.quick ? 5 : opts.memorySeconds,
    reconcileIdentities: opts.quick ? 2000 : opts.reconcileIdentities,
    readyTimeoutMs: opts.readySeconds * 1000,
    log: (line) => console.log(line),
  };
  const ids = opts.only ? opts.only.split(',').map((s) => s.trim()) : Object.keys(SCENARIOS);
  const unknown = ids.filter((id) => !(id in SCENARIOS));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown scenario(s): ${unknown.join(', ')}`);

  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverage: loadavg(),
  };
  const scenarios: ScenarioResult[] = [];
  const resultsDir = join(ROOT, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${stamp}.json`);
  const run: RunResult = {
    startedAt: startedAt.toISOString(),
    finishedAt: startedAt.toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine,
    services: `compiled: node services/<name>/dist/main.js${opts.build ? ', built by npm run build at the start of the run' : ''}`,
    scenarios,
  };
  for (const id of ids) {
    console.log(`== ${id}`);
    const started = Date.now();
    const result = await SCENARIOS[id]!(ctx);
    const disturbed = brokerRestartsSince(runDir, started);
    if (disturbed.length > 0) {
      result.notes.push(
        `Disturbed: the broker closed connections during this scenario (restarted by other work on the machine) — see ${disturbed.join(', ')}.`,
      );
    }
    scenarios.push(result);
    run.finishedAt = new Date().toISOString();
    writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
    for (const f of result.figures) {
      const base = Object.entries(f.baselines ?? {})
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      const verdict = f.met === undefined ? '' : f.met ? '  [met]' : '  [MISSED]';
      console.log(`  ${f.metric}: ${f.value} ${f.unit}${base ? `  (baseline: ${base})` : ''}${verdict}`);
    }
    if (result.skipped) console.log(`  skipped: ${result.skipped}`);
    console.log(`  (${Math.round((Date.now() - started) / 1000)} s)`);
  }
  console.log(`wrote ${file}`);
  if (opts.docs) console.log(`wrote ${writeReport(run, file)}`);
}

/** Service logs written since `sinceMs` that show the broker forcing connections closed (someone restarted it). */
function brokerRestartsSince(runDir: string, sinceMs: number): string[] {
  return readdirSync(runDir)
    .filter((f) => f.endsWith('.log'))
    .filter((f) => statSync(join(runDir, f)).mtimeMs >= sinceMs)
    .filter((f) =>
      /CONNECTION_FORCED|lost the broker connection/.test(readFileSync(join(runDir, f), 'utf8')),
    );
}

// No service process outlives the run: not on a failed scenario, an interrupt or a crash.
process.on('exit', () => killStarted());
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    console.error(`${signal}: killed ${killStarted()} service process(es)`);
    process.exit(code);
  });
}

main().catch((err: unknown) => {
  console.error(err);
  const killed = killStarted();
  if (killed > 0) console.error(`killed ${killed} service process(es) left running`);
  process.exitCode = 1;
});
