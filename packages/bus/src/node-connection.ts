import { connect, type ChannelModel, type Options, type RecoveringChannelModel } from 'amqplib';
import { parseBrokerUrls, type BrokerNode } from './broker-urls.js';
import type { LoggerLike } from './logger.js';
import { NodeRotation, type RandomSource } from './node-rotation.js';

export interface NodeConnectionOptions {
  /** One URL, or a comma-separated list of one URL per cluster node. */
  url: string;
  /** Connection name shown by the broker. */
  name: string;
  /** AMQP heartbeat in seconds; the broker's suggestion when absent. */
  heartbeatSeconds?: number;
  connectTimeoutMs: number;
  reconnectMaxDelayMs: number;
  /** Runs after every successful (re)connect, before the connection counts as up. */
  setup(model: ChannelModel): Promise<void>;
  /** Connects, losses and failed attempts are logged with the node's redacted URL. */
  logger: LoggerLike;
  /** (default=Math.random) Picks the node tried first and the backoff jitter; tests pin it. */
  random?: RandomSource;
}

export interface NodeConnection {
  recovering: RecoveringChannelModel;
  /** The node connected to, or the one being tried next. */
  current(): BrokerNode;
}

/** First retry delay after a node failed, in milliseconds; doubles after each full round of the list. */
const INITIAL_DELAY_MS = 100;
const JITTER = 0.2;

/**
 * Opens a recovering connection (amqplib's own recovery) to a random node of the list and, whenever the
 * connection is lost or an attempt fails, moves on to the next node of the list, wrapping around (see
 * NodeRotation: the random start spreads the connections of all processes over the cluster).
 * amqplib reconnects with the connection object it was first given and reads its fields on every
 * attempt, so moving on means rewriting that object between attempts ('disconnect' and
 * 'connect-failed' are emitted before the next attempt is scheduled). The next node is tried after
 * 100 ms; the delay doubles only after every node failed once, up to `reconnectMaxDelayMs`.
 */
export async function connectToSomeNode(opts: NodeConnectionOptions): Promise<NodeConnection> {
  const nodes = parseBrokerUrls(opts.url);
  const random = opts.random ?? Math.random;
  const rotation = new NodeRotation(nodes.length, random);
  const target: Options.Connect = {};
  const aim = () => {
    const { label: _label, ...fields } = nodes[rotation.index]!;
    Object.assign(target, fields, { heartbeat: opts.heartbeatSeconds });
  };
  const advance = () => {
    rotation.advance();
    aim();
  };
  aim();
  const recovering = await connect(target, {
    timeout: opts.connectTimeoutMs,
    // Frames leave at once: with Nagle's algorithm a small publish or ack waits for the previous segment's
    // TCP acknowledgement (delayed up to 40 ms), which shows as latency and caps a request-per-publish server.
    noDelay: true,
    clientProperties: { connection_name: opts.name },
    recovery: {
      waitForConnect: false,
      maxDelay: opts.reconnectMaxDelayMs,
      calculateDelay: (attempt: number) =>
        retryDelay(attempt, nodes.length, opts.reconnectMaxDelayMs, random),
      setup: (model: ChannelModel) => opts.setup(model),
    },
  });
  const log = opts.logger;
  const broker = () => nodes[rotation.index]!.label;
  // One line per event, with the reason and the attempt number but no stack: an unreachable broker is an
  // expected condition, and a stack per retry (77 in 45 s) buried everything else.
  let failedAttempts = 0;
  const reason = (err: Error) => ({ error: err.message, code: (err as { code?: string }).code });
  // Logged before moving on, so each line names the node it is about.
  recovering.on('connect', () => {
    failedAttempts = 0;
    log.info({ broker: broker(), name: opts.name }, 'connected to the broker');
  });
  recovering.on('disconnect', (err: Error) => {
    log.warn({ ...reason(err), broker: broker(), name: opts.name }, 'lost the broker connection');
    advance();
  });
  recovering.on('connect-failed', (err: Error) => {
    failedAttempts++;
    log.warn(
      {
        ...reason(err),
        broker: broker(),
        name: opts.name,
        attempt: failedAttempts,
        maxDelayMs: opts.reconnectMaxDelayMs,
      },
      'could not connect to the broker',
    );
    advance();
  });
  recovering.on('error', (err: Error) =>
    log.warn({ ...reason(err), broker: broker(), name: opts.name }, 'broker connection error'),
  );
  return { recovering, current: () => nodes[rotation.index]! };
}

/** Delay before reconnect attempt `attempt` (1 = first after a loss): quick across the list, then backing off. */
export function retryDelay(
  attempt: number,
  nodeCount: number,
  maxDelayMs: number,
  random: RandomSource = Math.random,
): number {
  const round = Math.floor((attempt - 1) / nodeCount);
  const base = Math.min(maxDelayMs / (1 + JITTER), INITIAL_DELAY_MS * 2 ** round);
  return Math.round(base * (1 + JITTER * (random() * 2 - 1)));
}
