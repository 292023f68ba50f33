import type { AddressInfo } from 'node:net';
import type { AddressObject, ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

/** One message the sink accepted (kept only with `collect`), parsed with mailparser. */
export interface SinkMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string | false;
  messageId: string;
  headers: ParsedMail['headers'];
  headerLines: ParsedMail['headerLines'];
  /** When the sink accepted it (`Date.now()`). */
  at: number;
}

export interface SmtpSinkOptions {
  /** (default=any free port) Listen here, e.g. a port a client already points at. */
  port?: number;
  /**
   * (default=false) Parse each message with mailparser and keep it in `received`, and every RCPT TO in
   * `rcptTo`. Without it a message is only read to its end and counted (a benchmark's sink).
   */
  collect?: boolean;
  /** Recipients refused at RCPT TO with 550. */
  reject?: readonly string[];
  /**
   * Called with each complete message before the sink answers; return false to never answer it (the
   * message is then not counted as accepted, like a server that died before its 250).
   */
  beforeAccept?: (count: number) => boolean;
  /** Each complete message waits for this promise before it is answered (a gate a test opens). */
  hold?: () => Promise<void>;
  /** The SIZE the server announces (smtp-server's `size`). */
  size?: number;
}

type Callback = (err?: Error | null, message?: string) => void;
type Parse = (typeof import('mailparser'))['simpleParser'];

const addresses = (value: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((a) => a.value.map((v) => v.address ?? ''));

const shuttingDown = () => Object.assign(new Error('4.3.2 shutting down'), { responseCode: 421 });

/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1 that accepts every message and counts it. It can
 * be stopped and started again on the same port (a mail server down for a while: clients see refused
 * connections, as when a real relay is unreachable); stopping drops open sessions at once (421).
 */
export class SmtpSink {
  /** Messages accepted (answered 250). */
  count = 0;
  /** With `collect`: every accepted message, in order. */
  readonly received: SinkMail[] = [];
  /** With `collect`: every RCPT TO address offered, accepted or not, lowercased, in order. */
  readonly rcptTo: string[] = [];
  private server: SMTPServer | undefined;
  private listeningPort: number | undefined;
  private parse: Parse | undefined;
  private seen = 0;
  private readonly reject: ReadonlySet<string>;

  constructor(private readonly opts: SmtpSinkOptions = {}) {
    this.listeningPort = opts.port || undefined;
    this.reject = new Set((opts.reject ?? []).map((r) => r.toLowerCase()));
  }

  /** The port it listens on (kept across stop/start); known before start only when given. */
  get port(): number {
    if (this.listeningPort === undefined) throw new Error('SmtpSink: no port before the first start()');
    return this.listeningPort;
  }

  get up(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    if (this.server) return;
    if (this.opts.collect) this.parse ??= (await import('mailparser')).simpleParser;
    const track = this.opts.collect || this.reject.size > 0;
    const server = new SMTPServer({
      disabledCommands: ['AUTH', 'STARTTLS'],
      authOptional: true,
      logger: false,
      size: this.opts.size,
      closeTimeout: 10,
      onRcptTo: track
        ? (address, _session, callback) => {
            const to = address.address.toLowerCase();
            if (this.opts.collect) this.rcptTo.push(to);
            if (this.reject.has(to))
              return callback(Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 }));
            callback();
          }
        : undefined,
      onData: (stream, _session, callback) =>
        this.parse ? this.keep(this.parse, stream, callback) : this.drain(stream, callback),
    });
    server.on('error', () => undefined); // client resets while going down
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.listeningPort ?? 0, '127.0.0.1', () => resolve());
    });
    this.listeningPort = (server.server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops open sessions: in-flight sends fail (a client must retry them). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    // From here a message still being received is refused, never counted without its 250 reaching the client.
    this.server = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Whether message number `++seen` is answered at all; a 421 when the sink went down meanwhile. */
  private answer(callback: Callback): boolean {
    this.seen++;
    if (this.opts.beforeAccept && !this.opts.beforeAccept(this.seen)) return false; // never answered
    if (!this.server) {
      callback(shuttingDown());
      return false;
    }
    return true;
  }

  private drain(stream: SMTPServerDataStream, callback: Callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      void this.held().then(() => {
        if (!this.answer(callback)) return;
        this.count++;
        callback();
      });
    });
  }

  private held(): Promise<void> {
    return this.opts.hold ? this.opts.hold() : Promise.resolve();
  }

  private keep(parse: Parse, stream: SMTPServerDataStream, callback: Callback) {
    parse(stream)
      .then(async (mail) => {
        await this.held();
        if (!this.answer(callback)) return;
        this.received.push({
          to: addresses(mail.to),
          from: addresses(mail.from)[0] ?? '',
          subject: mail.subject ?? '',
          text: mail.text ?? '',
          html: mail.html ?? false,
          messageId: mail.messageId ?? '',
          headers: mail.headers,
          headerLines: mail.headerLines,
          at: Date.now(),
        });
        this.count++;
        callback(null, `Ok: queued as Q${this.count}`);
      })
      .catch((err: Error) => callback(err));
  }
}

/** A started `SmtpSink` (on any free port unless `port` is given). */
export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const sink = new SmtpSink(opts);
  await sink.start();
  return sink;
}

/** One header exactly as sent, unfolded (RFC 5322 §2.2.3), without its name: `undefined` when absent. */
export function rawHeader(lines: ParsedMail['headerLines'], name: string): string | undefined {
  const line = lines.find((l) => l.key === name.toLowerCase())?.line;
  return line
    ?.replace(/\r?\n[ \t]+/g, ' ')
    .slice(name.length + 1)
    .trim();
}
