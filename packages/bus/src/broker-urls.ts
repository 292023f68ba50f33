/**
 * `AMQP_URL` in its cluster form: one full URL per broker node, separated by commas
 * (`amqp://u:p@node1:5672/vhost,amqp://u:p@node2:5672/vhost`). A single URL is a list of one.
 * No amqplib here: the runtime's config check uses it too.
 */

/** One broker node, in the shape amqplib's `connect()` takes as an object (`Options.Connect`). */
export interface BrokerNode {
  protocol: 'amqp' | 'amqps';
  hostname: string;
  port: number;
  /** Decoded: amqplib's object form uses them as given. */
  username: string;
  password: string;
  /** Still percent-encoded: amqplib unescapes it (`%2F` is `/`); empty means `/`. */
  vhost: string;
  frameMax?: number;
  channelMax?: number;
  locale?: string;
  /** For logs: `amqp://user:***@host:port/vhost`, without the query. */
  label: string;
}

/** A bad AMQP_URL. The message never contains the value, which may carry a password. */
export class BrokerUrlError extends Error {
  override readonly name = 'BrokerUrlError';
  readonly code = 'INVALID_BROKER_URL';
}

const DEFAULT_PORTS = { amqp: 5672, amqps: 5671 } as const;

/**
 * Splits and checks the list. Every entry must be an amqp:// or amqps:// URL with a host, and all
 * must name the same vhost (a vhost is cluster-wide; two would be two different systems).
 * @throws BrokerUrlError saying which entry is wrong, never what it contains.
 */
export function parseBrokerUrls(text: string): BrokerNode[] {
  const entries = text.split(',').map((entry) => entry.trim());
  const nodes = entries.map((entry, i) => {
    const where = entries.length === 1 ? 'the URL' : `entry ${i + 1} of ${entries.length}`;
    return parseOne(entry, where);
  });
  if (new Set(nodes.map((n) => decodeURIComponent(n.vhost) || '/')).size > 1) {
    throw new BrokerUrlError('every broker URL must name the same vhost');
  }
  return nodes;
}

function parseOne(entry: string, where: string): BrokerNode {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    throw new BrokerUrlError(`${where} is not a valid amqp:// or amqps:// URL`);
  }
  const protocol = url.protocol.slice(0, -1);
  if (protocol !== 'amqp' && protocol !== 'amqps') {
    throw new BrokerUrlError(`${where} is not an amqp:// or amqps:// URL`);
  }
  if (url.hostname === '') throw new BrokerUrlError(`${where} names no host`);
  const vhost = url.pathname.replace(/^\//, '');
  if (vhost.includes('/')) throw new BrokerUrlError(`${where} has a path that is not a vhost`);
  let username: string;
  let password: string;
  try {
    username = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    throw new BrokerUrlError(`${where} has badly percent-encoded credentials`);
  }
  const frameMax = optionalInt(url.searchParams.get('frameMax'), where, 'frameMax');
  const channelMax = optionalInt(url.searchParams.get('channelMax'), where, 'channelMax');
  const locale = url.searchParams.get('locale') ?? undefined;
  return {
    protocol,
    // URL keeps IPv6 literals in brackets; sockets want them bare.
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? DEFAULT_PORTS[protocol] : Number(url.port),
    username: url.username === '' && url.password === '' ? 'guest' : username,
    password: url.username === '' && url.password === '' ? 'guest' : password,
    vhost,
    ...(frameMax === undefined ? {} : { frameMax }),
    ...(channelMax === undefined ? {} : { channelMax }),
    ...(locale === undefined ? {} : { locale }),
    label: redactedLabel(url),
  };
}

function optionalInt(value: string | null, where: string, name: string): number | undefined {
  if (value === null) return undefined;
  if (!/^[0-9]+$/.test(value)) throw new BrokerUrlError(`${where} has a ${name} that is not a whole number`);
  return Number(value);
}

function redactedLabel(url: URL): string {
  const copy = new URL(url.toString());
  if (copy.password !== '') copy.password = '***';
  copy.search = '';
  return copy.toString();
}

/**
 * For logs and error messages: every entry with its password replaced. An entry that is not a URL
 * at all is replaced whole, since it cannot be told where its password is.
 */
export function redactBrokerUrls(text: string): string {
  return text
    .split(',')
    .map((entry) => {
      try {
        return redactedLabel(new URL(entry.trim()));
      } catch {
        return '<invalid URL>';
      }
    })
    .join(',');
}
