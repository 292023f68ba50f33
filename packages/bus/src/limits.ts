/**
 * Defaults and ranges of bus options that operators also set through the environment (PUBLISH_TIMEOUT_MS,
 * QUORUM_QUEUE_REPLICAS, PREFETCH, BATCH_WAIT_MS): stated here once, read by the bus and by the runtime's configuration.
 * No amqplib here: the runtime's configuration imports it.
 */

/** (milliseconds) How long publish() waits for the broker's confirm unless told otherwise. */
export const DEFAULT_PUBLISH_TIMEOUT_MS = 5_000;
/** (milliseconds) Longest confirm wait accepted: five minutes. */
export const MAX_PUBLISH_TIMEOUT_MS = 300_000;
/** Unacknowledged messages per consumer unless told otherwise (PREFETCH). */
export const DEFAULT_PREFETCH = 50;
/** (milliseconds) How long a partial batch waits for more messages unless told otherwise (BATCH_WAIT_MS). */
export const DEFAULT_BATCH_WAIT_MS = 10;
/** Members of each quorum queue (`x-quorum-initial-group-size`) unless told otherwise. */
export const DEFAULT_QUORUM_REPLICAS = 3;
