import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// tsx's loader inside the fixture's own node process. The tsx CLI would run a parent process that relays
// signals, and it exits 128+signal itself when a signal beats the child's report of its own handlers.
const TSX_LOADER = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

export interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal name) once the process ended. */
  exited: Promise<number | string>;
  /** Resolves once stdout contains `text`. */
  waitFor: (text: string) => Promise<void>;
}

/** Runs a TypeScript fixture with tsx's loader and the given environment (nothing inherited but PATH). */
export function spawnFixture(fixture: string, env: Record<string, string>): Spawned {
  const path = fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url));
  const child = spawn(process.execPath, ['--import', TSX_LOADER, path], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: 'pipe',
  });
  let out = '';
  let err = '';
  const waiters: Array<{ text: string; resolve: () => void }> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    out += String(chunk);
    for (const waiter of waiters.filter((w) => out.includes(w.text))) waiter.resolve();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += String(chunk)));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  const waitFor = (text: string) =>
    out.includes(text) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ text, resolve }));
  return { child, stdout: () => out, stderr: () => err, exited, waitFor };
}
