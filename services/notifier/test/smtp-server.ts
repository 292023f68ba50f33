import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
export { freePort } from '@identity-relay/test-support';

/** One message the test SMTP server accepted. */
export interface Received {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string | false;
  messageId: string;
  headers: ParsedMail['headers'];
  headerLines: ParsedMail['headerLines'];
}

/** One header exactly as sent, unfolded (RFC 5322 §2.2.3), without its name: `undefined` when absent. */
export function rawHeader(lines: ParsedMail['headerLines'], name: string): string | undefined {
  const line = lines.find((l) => l.key === name.toLowerCase())?.line;
  return line
    ?.replace(/\r?\n[ \t]+/g, ' ')
    .slice(name.length + 1)
    .trim();
}

export interface TestSmtpServer {
  port: number;
  received: Received[];
  /** Every RCPT TO address the server was offered, accepted or not, in order. */
  rcptTo: string[];
  close(): Promise<void>;
}

export interface TestSmtpOptions {
  /** (default=any free port) Listen here, e.g. a port a notifier already points at. */
  port?: number;
  /** Recipients refused at RCPT TO with 550. */
  reject?: readonly string[];
  /**
   * Called with each complete message before the server answers; return false to never answer it (the
   * message is then not counted as accepted, like a server that died before its 250).
   */
  beforeAccept?: (count: number) => boolean;
}

const addresses = (value: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((a) => a.value.map((v) => v.address ?? ''));

/** A real SMTP server (the `smtp-server` package) on 127.0.0.1; what it accepts is parsed with mailparser. */
export async function startSmtpServer(opts: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const received: Received[] = [];
  const rcptTo: string[] = [];
  const reject = new Set((opts.reject ?? []).map((r) => r.toLowerCase()));
  let seen = 0;
  const server = new SMTPServer({
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    logger: false,
    onRcptTo(address, _session: SMTPServerSession, callback) {
      rcptTo.push(address.address.toLowerCase());
      if (reject.has(address.address.toLowerCase())) {
        const err = Object.assign(new Error('5.1.1 mailbox unavailable'), { responseCode: 550 });
        return callback(err);
      }
      callback();
    },
    onData(stream: SMTPServerDataStream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          seen++;
          if (opts.beforeAccept && !opts.beforeAccept(seen)) return; // never answered
          received.push({
            to: addresses(mail.to),
            from: addresses(mail.from)[0] ?? '',
            subject: mail.subject ?? '',
            text: mail.text ?? '',
            html: mail.html ?? false,
            messageId: mail.messageId ?? '',
            headers: mail.headers,
            headerLines: mail.headerLines,
          });
          callback(null, `Ok: queued as Q${seen}`);
        })
        .catch((err: Error) => callback(err));
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    rcptTo,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
