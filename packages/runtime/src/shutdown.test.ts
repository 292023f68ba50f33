import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import { installShutdown, type ShutdownStep } from './shutdown.js';

function setup(steps: ShutdownStep[], graceMs = 1000) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ service: 'shutdown-test', destination });
  const events = new EventEmitter();
  const exits: number[] = [];
  const handle = installShutdown({ logger, graceMs, steps, events, exit: (code) => exits.push(code) });
  return { handle, events, exits, lines };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('installShutdown', () => {
  it('runs the steps in order on SIGTERM, logs each and exits 0', async () => {
    const order: string[] = [];
    const step = (name: string): ShutdownStep => ({
      name,
      run: async () => {
        await sleep(5);
        order.push(name);
      },
    });
    const { handle, events, exits, lines } = setup([step('http'), step('consumer'), step('connection')]);
    events.emit('SIGTERM');
    await handle.shutdown('again');
    expect(order).toEqual(['http', 'consumer', 'connection']);
    expect(exits).toEqual([0]);
    expect(lines.filter((l) => l.step).map((l) => [l.step, l.outcome])).toEqual([
      ['http', 'done'],
      ['consumer', 'done'],
      ['connection', 'done'],
    ]);
    expect(lines[0]).toMatchObject({ reason: 'SIGTERM', msg: 'shutting down: SIGTERM' });
  });

  it('runs only once however often it is asked', async () => {
    let runs = 0;
    const { handle, exits } = setup([{ name: 'once', run: async () => void (runs += 1) }]);
    await Promise.all([handle.shutdown('a'), handle.shutdown('b')]);
    await handle.shutdown('c');
    expect(runs).toBe(1);
    expect(exits).toEqual([0]);
  });

  it('keeps going after a failed step and exits 1', async () => {
    const order: string[] = [];
    const { handle, exits, lines } = setup([
      { name: 'broken', run: () => Promise.reject(new Error('close failed')) },
      {
        name: 'sync-throw',
        run: () => {
          throw new Error('boom');
        },
      },
      { name: 'after', run: async () => void order.push('after') },
    ]);
    await handle.shutdown('test');
    expect(order).toEqual(['after']);
    expect(exits).toEqual([1]);
    expect(lines.find((l) => l.step === 'broken')).toMatchObject({
      outcome: 'failed',
      err: { message: 'close failed' },
    });
  });

  it('bounds steps by the remaining grace, skips the rest and exits 1', async () => {
    let lateRan = false;
    const { handle, exits, lines } = setup(
      [
        { name: 'hangs', run: () => new Promise<void>(() => {}) },
        { name: 'late', run: async () => void (lateRan = true) },
      ],
      50,
    );
    // Unbounded, the hanging step would keep shutdown() from ever returning (the test would time out).
    await handle.shutdown('test');
    expect(lateRan).toBe(false);
    expect(exits).toEqual([1]);
    expect(lines.filter((l) => l.step).map((l) => l.outcome)).toEqual(['timed out', 'skipped']);
  });

  it('exits 1 at once on a second signal', async () => {
    const { handle, events, exits } = setup([{ name: 'slow', run: () => sleep(200) }]);
    events.emit('SIGINT');
    events.emit('SIGTERM');
    expect(exits).toEqual([1]);
    await handle.shutdown('wait');
  });

  it('shuts down with exit 1 after an uncaught exception or unhandled rejection', async () => {
    for (const kind of ['uncaughtException', 'unhandledRejection']) {
      let closed = false;
      const { handle, events, exits, lines } = setup([
        { name: 'close', run: async () => void (closed = true) },
      ]);
      events.emit(kind, new Error('bug for jane@example.org'));
      await handle.shutdown('wait');
      expect(closed).toBe(true);
      expect(exits).toEqual([1]);
      expect(lines[0]).toMatchObject({ level: 'fatal', kind, err: { message: 'bug for j***@example.org' } });
    }
  });

  it('removes its listeners when done', async () => {
    const { handle, events } = setup([]);
    expect(events.listenerCount('SIGTERM')).toBe(1);
    await handle.shutdown('test');
    for (const name of ['SIGTERM', 'SIGINT', 'uncaughtException', 'unhandledRejection']) {
      expect(events.listenerCount(name)).toBe(0);
    }
  });
});
