/** The runtime config's variables, which every deployment file must agree with. */
import { ALL_VARIABLES, SERVICE_VARIABLES } from '../../packages/runtime/src/config/services.js';
import { defaultOf } from '../../packages/runtime/src/config/variable.js';

export const CONFIG_VARIABLES: ReadonlySet<string> = new Set(ALL_VARIABLES.map((v) => v.env));

export function variableDefault(env: string): unknown {
  const variable = ALL_VARIABLES.find((v) => v.env === env);
  return variable && defaultOf(variable);
}

/** Port each service answers /healthz on when nothing overrides it. */
export const HEALTH_PORTS: Readonly<Record<string, number>> = {
  ingress: Number(variableDefault('INGRESS_PORT')),
  ops: Number(variableDefault('OPS_PORT')),
  'identity-sync': SERVICE_VARIABLES['identity-sync'].healthPort.default,
  subscribers: SERVICE_VARIABLES.subscribers.healthPort.default,
  notifier: SERVICE_VARIABLES.notifier.healthPort.default,
  reconciler: SERVICE_VARIABLES.reconciler.healthPort.default,
};

export const SERVICES = ['ingress', 'identity-sync', 'subscribers', 'notifier', 'reconciler', 'ops'] as const;
