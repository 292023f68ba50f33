import type { BenchContext } from '../lib/context.js';
import type { ScenarioResult } from '../lib/results.js';
import { baselinesScenario } from './baselines.js';
import { drainScenario } from './drain.js';
import { e2eScenario } from './e2e.js';
import { memoryScenario } from './memory.js';
import { notifierScenario } from './notifier.js';
import { pipelineScenario } from './pipeline.js';
import { reconcileScenario } from './reconcile.js';
import { scaleScenario } from './scale.js';
import { ingressScenario } from './ingress.js';

export type Scenario = (ctx: BenchContext) => Promise<ScenarioResult>;

/** Every scenario, in the order `npm run bench` runs them. */
export const SCENARIOS: Record<string, Scenario> = {
  baselines: baselinesScenario,
  ingress: ingressScenario,
  pipeline: pipelineScenario,
  drain: drainScenario,
  e2e: e2eScenario,
  scale: scaleScenario,
  notifier: notifierScenario,
  memory: memoryScenario,
  reconcile: reconcileScenario,
};
