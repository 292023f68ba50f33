/** One measured figure and what it is compared with in the same run. */
export interface Figure {
  /** What was measured, e.g. "req/s". */
  metric: string;
  value: number;
  unit: string;
  /** Same-run baselines: label → value (same unit). */
  baselines?: Record<string, number>;
  /** The target in words, e.g. "≥ 80% of bare Express". */
  target?: string;
  /** Whether the target is met; undefined when there is none. */
  met?: boolean;
}

export interface ChartBar {
  label: string;
  value: number;
  /** Baselines are drawn grey, measured figures in colour. */
  baseline?: boolean;
}

export interface Chart {
  /** File name under docs/benchmarks/ (without .svg). */
  id: string;
  title: string;
  unit: string;
  kind: 'bars' | 'lines';
  bars?: ChartBar[];
  /** For line charts: named series of [x, y] points. */
  series?: Record<string, Array<[number, number]>>;
  xLabel?: string;
}

export interface ScenarioResult {
  id: string;
  title: string;
  figures: Figure[];
  notes: string[];
  charts: Chart[];
  /** Scenario parameters (sizes, connections, rates) as run. */
  params: Record<string, unknown>;
  /** Set when the scenario could not run; figures are then empty. */
  skipped?: string;
}

export interface RunResult {
  startedAt: string;
  finishedAt: string;
  command: string;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; loadAverage: number[] };
  /** How the services ran (compiled dist/ or from source); absent in runs from before it was recorded. */
  services?: string;
  scenarios: ScenarioResult[];
}

export function scenario(id: string, title: string, params: Record<string, unknown>): ScenarioResult {
  return { id, title, figures: [], notes: [], charts: [], params };
}
