import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BenchContext } from '../../bench/lib/context.js';
import { writeReport } from '../../bench/lib/report.js';
import type { RunResult } from '../../bench/lib/results.js';
import { percentile, slope } from '../../bench/lib/stats.js';
import {
  compiledEntry,
  freePort,
  killStarted,
  startService,
  startServices,
} from '../../bench/lib/services.js';
import { baselinesScenario } from '../../bench/scenarios/baselines.js';

// Smoke test of the benchmark harness itself (`npm run bench` is not part of the suite): the raw-driver
// scenario at tiny sizes against the real broker and database, and the report it renders.
const dir = mkdtempSync(join(tmpdir(), 'ir-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ctx: BenchContext = {
  runDir: dir,
  httpSeconds: 1,
  drainMessages: 500,
  sweepBatchSizes: [],
  drainEnv: {},
  e2eSeconds: 1,
  scaleMessages: 10,
  notifierSubscribers: 10,
  notifierTemplates: false,
  memorySeconds: 1,
  reconcileIdentities: 200,
  log: () => undefined,
};

describe('bench harness', () => {
  it('measures the raw baselines and renders a report with SVG charts', async () => {
    const result = await baselinesScenario(ctx);
    expect(result.figures.map((f) => f.unit)).toEqual(['rows/s', 'rows/s', 'msg/s', 'msg/s']);
    for (const f of result.figures) expect(f.value).toBeGreaterThan(0);
    const run: RunResult = {
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      command: 'npm run bench -- --only baselines',
      machine: { cpus: 2, cpuModel: 'test', memoryGb: 1, node: process.version, loadAverage: [0, 0, 0] },
      scenarios: [result],
    };
    const doc = writeReport(run, join(dir, 'results.json'), dir);
    const text = readFileSync(doc, 'utf8');
    expect(text).toContain('| Raw drivers — raw pg upsert, one row per commit |');
    expect(text).toContain('![Raw drivers on this machine, this run](benchmarks/baselines.svg)');
    const svg = readFileSync(join(dir, 'benchmarks', 'baselines.svg'), 'utf8');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(readdirSync(join(dir, 'benchmarks'))).toEqual(['baselines.svg']);
  });

  it('runs a baseline server as transpiled JavaScript with plain node, without a TypeScript loader', async () => {
    const port = await freePort();
    const proc = await startService({
      name: 'harness-raw-http',
      script: 'bench/baselines/raw-http.ts',
      env: { BENCH_PORT: String(port) },
      ready: /listening/,
      logDir: dir,
    });
    try {
      const cmdline = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').split('\0');
      expect(cmdline[1]).toMatch(/var\/bench\/bin\/raw-http\.mjs$/);
      expect(cmdline.join(' ')).not.toContain('tsx');
      const res = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        body: JSON.stringify({ identity: { id: 'abc' } }),
      });
      expect(await res.json()).toMatchObject({ subject: 'abc' });
    } finally {
      await proc.stop();
    }
  });

  it("runs a service's src/main.ts as its compiled dist/main.js and says to build when that is missing", () => {
    expect(() => compiledEntry('services/no-such-service/src/main.ts')).toThrow(
      /services\/no-such-service\/dist\/main\.js is missing: run `npm run build` first/,
    );
  });

  it('stops the replicas that started when one of them fails to, and kills what is left on demand', async () => {
    const ports = [await freePort(), await freePort()];
    const server = (name: string, port: number, ready: RegExp, timeoutMs = 20_000) => ({
      name,
      script: 'bench/baselines/raw-http.ts',
      env: { BENCH_PORT: String(port) },
      ready,
      logDir: dir,
      timeoutMs,
    });
    const pidsBefore = new Set(childPids());
    const failed = await startServices([
      server('harness-replica-ok', ports[0]!, /listening/),
      server('harness-replica-never-ready', ports[1]!, /a line it never prints/, 1500),
    ]).catch((e: unknown) => e as Error);
    expect(String(failed)).toMatch(/harness-replica-never-ready\.log: not ready after 1500 ms/);
    expect(childPids().filter((pid) => !pidsBefore.has(pid))).toEqual([]);

    const left = await startService(server('harness-left-running', ports[0]!, /listening/));
    expect(childPids()).toContain(left.pid);
    expect(killStarted()).toBe(1);
    expect(await left.stop()).toBe(null); // already gone: killed by the signal
  });

  it('computes percentiles by nearest rank and slopes by least squares', () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([1, 2, 3, 4, 100], 99)).toBe(100);
    expect(
      slope([
        [0, 1],
        [1, 3],
        [2, 5],
      ]),
    ).toBe(2);
  });
});

/** Pids of this process's live (not yet reaped) children, from /proc. */
function childPids(): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(fields[1]) === process.pid && fields[0] !== 'Z';
      } catch {
        return false;
      }
    })
    .map(Number);
}
