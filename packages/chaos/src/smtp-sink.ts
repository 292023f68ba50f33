import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

/** One email the sink accepted. */
export interface SinkMail {
  notificationId: string;
  to: string;
  messageId: string;
  at: number;
}

/**
 * A real SMTP server on 127.0.0.1 that records what it accepts (parsed with mailparser). It can be taken
 * down and brought back on the same port, which is the "mail server down for a while" fault: the notifier
 * sees refused connections, exactly as when a real relay is unreachable.
 */
export class SmtpSink {
  readonly received: SinkMail[] = [];
  private server: SMTPServer | undefined;

  constructor(readonly port: number) {}

  get up(): boolean {
    return this.server !== undefined;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = new SMTPServer({
      disabledCommands: ['AUTH', 'STARTTLS'],
      authOptional: true,
      logger: false,
      // Going down cuts open sessions (421) at once instead of waiting for pooled clients to QUIT.
      closeTimeout: 10,
      onData: (stream, _session, callback) => this.accept(stream, callback),
    });
    server.on('error', () => undefined); // client resets while going down
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  /** Stops listening and drops open sessions: in-flight sends fail and must be retried by the notifier. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    // From here a message still being received is refused, never recorded without its 250 reaching the client.
    this.server = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(stream: SMTPServerDataStream, callback: (err?: Error | null, message?: string) => void) {
    simpleParser(stream)
      .then((mail) => {
        if (!this.server) {
          callback(Object.assign(new Error('4.3.2 shutting down'), { responseCode: 421 }));
          return;
        }
        const header = mail.headers.get('x-notification-id');
        const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
        for (const address of to.flatMap((a) => a.value)) {
          this.received.push({
            notificationId: typeof header === 'string' ? header : '',
            to: (address.address ?? '').toLowerCase(),
            messageId: mail.messageId ?? '',
            at: Date.now(),
          });
        }
        callback(null, `Ok: queued as C${this.received.length}`);
      })
      .catch((err: Error) => callback(err));
  }
}
