import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';

export interface ServiceSpec {
  /** Folder under services/, e.g. `identity-sync`. */
  service: string;
  /** Unique per replica, e.g. `identity-sync-2`; names the log file. */
  name: string;
  env: Record<string, string>;
  /** Port whose /readyz says the process is up (the ingress port or HEALTH_PORT). */
  readyPort: number;
}

/** How one run of a process ended. `expected` is false for exits nobody asked for (crashes). */
export interface ExitRecord {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  expected: boolean;
  at: number;
}

/** (default) How long a process may take to answer /readyz after spawn, in milliseconds. */
const READY_TIMEOUT_MS = 120_000;

/**
 * One real service as a child process: `node --conditions=source --import tsx services/<s>/src/main.ts`,
 * its output appended to `<logDir>/<name>.log`. Restartable; every exit is recorded, and one that the
 * suite did not cause (a crash, an unhandled rejection) is reported as a finding.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<ExitRecord> | undefined;
  private expectingExit = false;
  private readonly log: WriteStream;

  constructor(
    readonly spec: ServiceSpec,
    private readonly repoRoot: string,
    logDir: string,
    private readonly onExit: (exit: ExitRecord) => void,
  ) {
    this.log = createWriteStream(join(logDir, `${spec.name}.log`), { flags: 'a' });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** Spawns the process and resolves once its /readyz answers 200. */
  async start(): Promise<void> {
    if (this.child) throw new Error(`${this.spec.name} is already running`);
    const entry = join('services', this.spec.service, 'src', 'main.ts');
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', entry], {
      cwd: this.repoRoot,
      env: { PATH: process.env.PATH ?? '', ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.expectingExit = false;
    child.stdout!.pipe(this.log, { end: false });
    child.stderr!.pipe(this.log, { end: false });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        const record = { name: this.spec.name, code, signal, expected: this.expectingExit, at: Date.now() };
        if (this.child === child) this.child = undefined;
        this.onExit(record);
        resolve(record);
      });
    });
    await this.waitReady();
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!this.child) throw new Error(`${this.spec.name} exited during start (see its log)`);
      if (await isReady(this.spec.readyPort)) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${this.spec.name} not ready within ${READY_TIMEOUT_MS} ms`);
  }

  /** SIGKILL: no shutdown code runs; unacked deliveries go back to the queue. */
  async kill(): Promise<ExitRecord> {
    return this.signal('SIGKILL');
  }

  /** SIGTERM and wait for the graceful shutdown to finish. */
  async terminate(): Promise<ExitRecord> {
    return this.signal('SIGTERM');
  }

  private async signal(signal: NodeJS.Signals): Promise<ExitRecord> {
    const child = this.child;
    if (!child || !this.exited) throw new Error(`${this.spec.name} is not running`);
    this.expectingExit = true;
    child.kill(signal);
    return this.exited;
  }

  async dispose(): Promise<void> {
    if (this.child) await this.signal('SIGKILL').catch(() => undefined);
    await new Promise<void>((resolve) => this.log.end(() => resolve()));
  }
}

async function isReady(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}
