import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import ts from 'typescript';
import { processEnvOf } from '../../infra/process-env.mjs';
export { freePort } from '@identity-relay/test-support';

/** The repository root (bench/lib/ → ../..). */
export const ROOT = resolve(import.meta.dirname, '..', '..');

/** A service (or baseline server) running as its own process, as it would in production. */
export interface ServiceProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Resident set size now, in MB (from /proc/<pid>/status). */
  rssMb(): number;
  /** The highest resident set size so far, in MB (VmHWM: the kernel's high-water mark, nothing missed between samples). */
  peakRssMb(): number;
  /** SIGTERM, then waits for the exit (SIGKILL after `graceMs`, default=15000). Resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface StartOptions {
  name: string;
  /**
   * Path from the repository root of the TypeScript entry point: a service's `services/<name>/src/main.ts`
   * (run as its compiled `dist/main.js`) or a self-contained bench script (transpiled to JavaScript first).
   */
  script: string;
  env: Record<string, string>;
  /** A line of the process's output that says it is ready. */
  ready: RegExp;
  /** Directory for the log file. */
  logDir: string;
  /** When set, the process runs with `node --cpu-prof` and writes its profile here on exit. */
  cpuProfDir?: string;
  /**
   * (default=120000) Milliseconds to wait for `ready`. Generous: on a machine loaded by other work a service
   * took over 30 s to start (`npm run bench -- --ready-seconds`).
   */
  timeoutMs?: number;
}

export const DEFAULT_READY_TIMEOUT_MS = 120_000;

/** Every child started here and not yet exited: killed if the run fails or is interrupted (killStarted). */
const live = new Set<ChildProcess>();

/** SIGKILLs every service process still running; synchronous, so it also works in an 'exit' handler. */
export function killStarted(): number {
  let killed = 0;
  for (const child of live) if (child.kill('SIGKILL')) killed++;
  live.clear();
  return killed;
}

/**
 * Starts `node <compiled entry>`: what production runs (the Docker image runs `node services/<name>/dist/main.js`).
 * A service's `src/*.ts` runs as the `dist/*.js` that `npm run build` compiled (the bench builds first); any
 * other script (baseline servers, the SMTP sink) is a single file transpiled to JavaScript in the run
 * directory, so baselines and services run the same way, without a TypeScript loader. stdout/stderr go to a
 * file (a pipe read by this process would compete for CPU).
 */
export async function startService(opts: StartOptions): Promise<ServiceProcess> {
  mkdirSync(opts.logDir, { recursive: true });
  const logFile = join(opts.logDir, `${opts.name}.log`);
  const entry = compiledEntry(opts.script);
  // A service runs with the process settings production gives it (heap sizes, malloc arenas).
  const service = SERVICE_SOURCE.exec(opts.script)?.[1];
  const fd = openSync(logFile, 'w');
  const args: string[] = [];
  if (opts.cpuProfDir) {
    const dir = join(opts.cpuProfDir, opts.name);
    mkdirSync(dir, { recursive: true });
    args.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  const child = spawn(process.execPath, [...args, entry], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...opts.env,
      ...(service === undefined ? {} : processEnvOf(service, opts.env)),
    },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  live.add(child);
  const exited = new Promise<number | null>((done) =>
    child.once('exit', (code) => {
      live.delete(child);
      done(code);
    }),
  );
  await waitForLine(child, logFile, opts.ready, opts.timeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
  return {
    name: opts.name,
    pid: child.pid!,
    logFile,
    rssMb: () => rssMb(child.pid!),
    peakRssMb: () => rssMb(child.pid!, 'VmHWM'),
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/**
 * Starts several services at once. If any fails to start, the others (started or still starting) are
 * stopped before the first error is thrown, so no replica outlives a failed start.
 */
export async function startServices(all: StartOptions[]): Promise<ServiceProcess[]> {
  const settled = await Promise.allSettled(all.map((opts) => startService(opts)));
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((p) => p.stop()));
    throw failed.reason;
  }
  return started;
}

/** `services/<name>/src/<file>.ts` → the package's compiled `services/<name>/dist/<file>.js`. */
const SERVICE_SOURCE = /^services\/([^/]+)\/src\/(.+)\.ts$/;

/** The JavaScript file that runs `script` (see startService); throws when a service was not built. */
export function compiledEntry(script: string): string {
  const service = SERVICE_SOURCE.exec(script);
  if (service) {
    const file = join(ROOT, 'services', service[1]!, 'dist', `${service[2]!}.js`);
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
    return file;
  }
  if (!script.endsWith('.ts')) return join(ROOT, script);
  const source = readFileSync(join(ROOT, script), 'utf8');
  if (/^\s*import\s[^;]*from\s+'\.{1,2}\//m.test(source)) {
    throw new Error(
      `${script}: bench scripts run as single transpiled files and cannot import relative modules`,
    );
  }
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2023,
      verbatimModuleSyntax: false,
    },
    fileName: script,
  });
  // Inside the repository, so the script's bare imports resolve from its node_modules.
  const binDir = join(ROOT, 'var', 'bench', 'bin');
  mkdirSync(binDir, { recursive: true });
  const out = join(binDir, `${basename(script, '.ts')}.mjs`);
  writeFileSync(out, outputText);
  return out;
}

async function waitForLine(child: ChildProcess, file: string, ready: RegExp, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = readFileSync(file, 'utf8');
    if (ready.test(text)) return;
    if (child.exitCode !== null)
      throw new Error(`${file}: exited with ${child.exitCode}:\n${text.slice(-2000)}`);
    if (Date.now() > deadline) {
      // Gone before the error is seen, so a caller that stops the rest never races it.
      const gone = new Promise((done) => child.once('exit', done));
      if (child.kill('SIGKILL')) await gone;
      throw new Error(`${file}: not ready after ${timeoutMs} ms:\n${text.slice(-2000)}`);
    }
    await sleep(100);
  }
}

/** `VmRSS` (now) or `VmHWM` (the peak so far) of a process, in MB. */
export function rssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(status)?.[1];
  return kb ? Number(kb) / 1024 : NaN;
}
