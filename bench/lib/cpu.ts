import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux). */
const TICKS = 100;

/** CPU seconds (user + system) a process has used so far; NaN when it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return NaN;
  }
}

/** The pids of processes whose command name is `comm` (e.g. beam.smp for RabbitMQ, postgres). */
export function pidsOf(comm: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === comm) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** CPU seconds of a set of processes (e.g. every postgres backend), for before/after differences. */
export function cpuOf(pids: readonly number[]): number {
  return pids.reduce((sum, pid) => sum + (cpuSeconds(pid) || 0), 0);
}

/** Measures the CPU seconds `pids()` spend while `body` runs (pids are listed again at the end). */
export async function cpuDuring<T>(
  groups: Record<string, () => number[]>,
  body: () => Promise<T>,
): Promise<{ value: T; cpu: Record<string, number> }> {
  const before = Object.fromEntries(
    Object.entries(groups).map(([k, pids]) => [k, new Map(pids().map((p) => [p, cpuSeconds(p)]))]),
  );
  const value = await body();
  const cpu: Record<string, number> = {};
  for (const [k, pids] of Object.entries(groups)) {
    cpu[k] = pids().reduce((sum, p) => {
      const now = cpuSeconds(p);
      const then = before[k]!.get(p) ?? 0;
      return Number.isFinite(now) ? sum + now - (Number.isFinite(then) ? then : 0) : sum;
    }, 0);
  }
  return { value, cpu };
}

/** The machine's CPU time so far from /proc/stat, in clock ticks: busy (everything but idle and iowait) and total. */
export function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((a, b) => a + b, 0);
  // user nice system idle iowait irq softirq steal
  return { busy: total - ticks[3]! - ticks[4]!, total };
}
