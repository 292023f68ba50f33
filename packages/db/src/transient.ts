import { DatabaseUnavailableError } from './errors.js';

// SQLSTATEs after which the same statement may succeed if simply tried again.
const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '57P01', // admin_shutdown (server restarting, backend terminated)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (server starting up / recovering)
  '53300', // too_many_connections
  '53400', // configuration_limit_exceeded
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08004', // sqlserver_rejected_establishment_of_sqlconnection
  '08006', // connection_failure
  '57014', // query_canceled (statement_timeout)
  '55P03', // lock_not_available (lock_timeout)
]);

// Node socket errno codes for a server that is down, restarting or unreachable for now.
const TRANSIENT_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

// Prisma error codes (with @prisma/adapter-pg) that mean "could not talk to the database right now".
const TRANSIENT_PRISMA_CODES = new Set([
  'P1001', // can't reach database server
  'P1002', // server reached but timed out
  'P1008', // operation timed out
  'P1017', // server closed the connection
  'P2024', // timed out fetching a connection from the pool
  'P2034', // write conflict or deadlock (40001 / 40P01)
  'P2037', // too many connections
]);

// node-postgres reports lost and timed-out connections only by message.
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection timeout/i,
  /client has encountered a connection error/i,
  /terminating connection due to administrator command/i,
  /can't reach database server/i,
];

/** True when `err` (or anything in its `cause` chain) says "try again later", not "this is wrong". */
export function isTransientDbError(err: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current !== null && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    if (isTransientOne(current)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function isTransientOne(err: object): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  const { code, message, meta } = err as { code?: unknown; message?: unknown; meta?: unknown };
  if (typeof code === 'string') {
    if (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_ERRNOS.has(code)) return true;
    if (TRANSIENT_PRISMA_CODES.has(code)) return true;
  }
  const adapterError = adapterCause(meta);
  if (adapterError !== undefined && isTransientAdapterError(adapterError)) return true;
  if (typeof message === 'string' && TRANSIENT_MESSAGES.some((re) => re.test(message))) return true;
  return false;
}

// Prisma puts the driver adapter's mapped error at meta.driverAdapterError.cause.
function adapterCause(meta: unknown): AdapterErrorCause | undefined {
  if (meta === null || typeof meta !== 'object') return undefined;
  const dae = (meta as { driverAdapterError?: unknown }).driverAdapterError;
  if (dae === null || typeof dae !== 'object') return undefined;
  const cause = (dae as { cause?: unknown }).cause;
  return cause !== null && typeof cause === 'object' ? (cause as AdapterErrorCause) : undefined;
}

interface AdapterErrorCause {
  kind?: unknown;
  code?: unknown;
  originalCode?: unknown;
}

const TRANSIENT_ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
  'TransactionWriteConflict',
]);

function isTransientAdapterError(cause: AdapterErrorCause): boolean {
  if (typeof cause.kind === 'string' && TRANSIENT_ADAPTER_KINDS.has(cause.kind)) return true;
  const code = typeof cause.originalCode === 'string' ? cause.originalCode : cause.code;
  return typeof code === 'string' && TRANSIENT_SQLSTATES.has(code);
}
