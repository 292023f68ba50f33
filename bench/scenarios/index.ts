import type { BenchContext } from '../lib/context.js';
import type { ScenarioResult } from '../lib/results.js';
import { baselinesScenario } from './baselines.js';
import { ingressScenario } from './ingress.js';

export type Scenario = (ctx: BenchContext) => Promise<ScenarioResult>;

/** Every scenario, in the order `npm run bench` runs them. */
export const SCENARIOS: Record<string, Scenario> = {
  baselines: baselinesScenario,
  ingress: ingressScenario,
};
