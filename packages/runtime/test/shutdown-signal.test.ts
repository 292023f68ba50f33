// Sends real signals to a child process that uses installShutdown.
import { describe, expect, it } from 'vitest';
import { spawnFixture } from './spawn.js';

const stepsIn = (stdout: string) => stdout.split('\n').filter((line) => line.startsWith('step:'));

describe('installShutdown in a real process', () => {
  it('runs the steps in order on SIGTERM and exits 0', async () => {
    const run = spawnFixture('shutdown-child.ts', {});
    await run.waitFor('ready');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(stepsIn(run.stdout())).toEqual(['step:stop-intake', 'step:drain', 'step:close']);
  });

  it('exits 1 at once when a second signal arrives during shutdown', async () => {
    const run = spawnFixture('shutdown-child.ts', { FIXTURE_MODE: 'hang' });
    await run.waitFor('ready');
    run.child.kill('SIGINT');
    await run.waitFor('step:drain');
    const started = Date.now();
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(1);
    // Well before the 5 s grace would have run out.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(stepsIn(run.stdout())).toEqual(['step:stop-intake', 'step:drain']);
  });
});
