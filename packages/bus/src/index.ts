export {
  EXCHANGES,
  QUEUES,
  WORK_QUEUE_DELIVERY_LIMIT,
  DEFAULT_QUORUM_REPLICAS,
  PLACEMENT_ARGUMENTS,
  buildTopology,
  deadQueueName,
  retryQueueName,
  toRabbitDefinitions,
  type BindingSpec,
  type ExchangeSpec,
  type QueueSpec,
  type Topology,
  type TopologyOptions,
} from './topology.js';
export { declareTopology, declareTopologyKeepingPlacement } from './declare.js';
export { connectBus, type Bus, type BusOptions } from './bus.js';
export {
  DEFAULT_BATCH_SIZE,
  DEFAULT_BATCH_WAIT_MS,
  DEFAULT_BATCH_CONCURRENCY,
  type BatchConsumerOptions,
  type BatchHandler,
} from './batch-consumer.js';
export { DEFAULT_CONTENT_TYPE, type OutgoingMessage } from './outgoing.js';
export type { Consumer, ConsumerOptions, IncomingMessage, MessageHandler } from './message.js';
export { ack, deadLetter, retry, type Outcome } from './outcome.js';
export { InvalidMessageError, PermanentError, RelayError, TransientError } from './errors.js';
export {
  BrokerUnavailableError,
  PublishChannelError,
  PublishError,
  PublishNackedError,
  PublishTimeoutError,
  UnroutableError,
} from './publish-errors.js';
export { HEADERS } from './headers.js';
export type { LoggerLike } from './logger.js';
export {
  connectBrokerAdmin,
  type BrokerAdmin,
  type BrokerAdminOptions,
  type QueueDepth,
  type TopologyProblem,
} from './broker-admin.js';
export type { Drain, DrainOptions, RawDelivery, RawHandler } from './raw-drain.js';
export { probeBroker } from './probe.js';
export { BrokerUrlError, parseBrokerUrls, redactBrokerUrls, type BrokerNode } from './broker-urls.js';
