/** The runtime config's variable table, which every deployment file must agree with. */
import { DEFAULT_HEALTH_PORT, VARIABLES } from '../../packages/runtime/src/config/variables.js';

export const CONFIG_VARIABLES: ReadonlySet<string> = new Set(VARIABLES.map((v) => v.env));

export function variableDefault(env: string): unknown {
  return VARIABLES.find((v) => v.env === env)?.schema.default;
}

/** Port each service answers /healthz on when nothing overrides it. */
export const HEALTH_PORTS: Readonly<Record<string, number>> = {
  ingress: Number(variableDefault('INGRESS_PORT')),
  ops: Number(variableDefault('OPS_PORT')),
  'identity-sync': DEFAULT_HEALTH_PORT['identity-sync'],
  subscribers: DEFAULT_HEALTH_PORT.subscribers,
  notifier: DEFAULT_HEALTH_PORT.notifier,
  reconciler: DEFAULT_HEALTH_PORT.reconciler,
};

export const SERVICES = ['ingress', 'identity-sync', 'subscribers', 'notifier', 'reconciler', 'ops'] as const;
