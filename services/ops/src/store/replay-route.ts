import { buildTopology, type BindingSpec } from '@identity-relay/bus';
import { ConflictError } from '../errors.js';

/** Where a replay goes. */
export interface ReplayRoute {
  exchange: string;
  routingKey: string;
}

/**
 * AMQP topic matching: words split on `.`, `*` is exactly one word, `#` zero or more. Iterative over
 * (pattern word, key word) pairs, so at most patternWords × keyWords steps.
 */
export function topicMatches(pattern: string, routingKey: string): boolean {
  const p = pattern.split('.');
  const k = routingKey === '' ? [] : routingKey.split('.');
  // reachable[j]: the pattern words so far can consume exactly the first j key words.
  let reachable = Array.from({ length: k.length + 1 }, (_, j) => j === 0);
  for (const word of p) {
    const next = new Array<boolean>(k.length + 1).fill(false);
    for (let j = 0; j <= k.length; j++) {
      if (word === '#') next[j] = reachable[j]! || (j > 0 && next[j - 1]!);
      else if (j > 0 && reachable[j - 1]) next[j] = word === '*' || word === k[j - 1];
    }
    reachable = next;
  }
  return reachable[k.length]!;
}

/** The bindings of the topology: which exchange and routing keys feed which work queue. */
const DEFAULT_BINDINGS: readonly BindingSpec[] = buildTopology({ retryDelaysMs: [] }).bindings;

/**
 * Refuses a replay whose stored route is not one the topology uses to reach `queue`: an exchange
 * bound to that queue with a routing key its binding matches, or the default exchange straight to
 * the queue. Headers like `x-original-exchange` come with the message, so whoever could publish a
 * message could otherwise have an operator's replay deliver it to any exchange.
 */
export function checkReplayRoute(
  queue: string,
  route: ReplayRoute,
  bindings: readonly BindingSpec[] = DEFAULT_BINDINGS,
): void {
  const allowed =
    route.exchange === ''
      ? route.routingKey === queue
      : bindings.some(
          (b) =>
            b.queue === queue &&
            b.exchange === route.exchange &&
            topicMatches(b.routingKey, route.routingKey),
        );
  if (!allowed) {
    throw new ConflictError(
      `dead letter of ${queue} names route ${JSON.stringify(route.exchange)} / ${JSON.stringify(route.routingKey)}, which the topology does not use for ${queue}; not replayed`,
      { code: 'route_not_allowed' },
    );
  }
}
