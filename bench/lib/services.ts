import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The repository root (bench/lib/ → ../..). */
export const ROOT = resolve(import.meta.dirname, '..', '..');

/** A service (or baseline server) running as its own process, as it would in production. */
export interface ServiceProcess {
  name: string;
  pid: number;
  logFile: string;
  /** Resident set size now, in MB (from /proc/<pid>/status). */
  rssMb(): number;
  /** SIGTERM, then waits for the exit (SIGKILL after `graceMs`, default=15000). Resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface StartOptions {
  name: string;
  /** Path from the repository root of the TypeScript entry point. */
  script: string;
  env: Record<string, string>;
  /** A line of the process's output that says it is ready. */
  ready: RegExp;
  /** Directory for the log file. */
  logDir: string;
  /** When set, the process runs with `node --cpu-prof` and writes its profile here on exit. */
  cpuProfDir?: string;
  /** (default=30000) Milliseconds to wait for `ready`. */
  timeoutMs?: number;
}

/**
 * Starts `node --conditions=source --import tsx <script>`: the service's own main.ts, loaded from source
 * the way `npm start` does. stdout/stderr go to a file (a pipe read by this process would compete for CPU).
 */
export async function startService(opts: StartOptions): Promise<ServiceProcess> {
  mkdirSync(opts.logDir, { recursive: true });
  const logFile = join(opts.logDir, `${opts.name}.log`);
  const fd = openSync(logFile, 'w');
  const args = ['--conditions=source', '--import', 'tsx'];
  if (opts.cpuProfDir) {
    // One directory per process: the tsx loader thread writes its own (small) profile beside the main one.
    const dir = join(opts.cpuProfDir, opts.name);
    mkdirSync(dir, { recursive: true });
    args.push('--cpu-prof', `--cpu-prof-dir=${dir}`);
  }
  const child = spawn(process.execPath, [...args, join(ROOT, opts.script)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...opts.env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  await waitForLine(child, logFile, opts.ready, opts.timeoutMs ?? 30_000);
  return {
    name: opts.name,
    pid: child.pid!,
    logFile,
    rssMb: () => rssMb(child.pid!),
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

async function waitForLine(child: ChildProcess, file: string, ready: RegExp, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = readFileSync(file, 'utf8');
    if (ready.test(text)) return;
    if (child.exitCode !== null)
      throw new Error(`${file}: exited with ${child.exitCode}:\n${text.slice(-2000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${file}: not ready after ${timeoutMs} ms:\n${text.slice(-2000)}`);
    }
    await sleep(100);
  }
}

export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
  return kb ? Number(kb) / 1024 : NaN;
}

/** A TCP port that was free a moment ago (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}
