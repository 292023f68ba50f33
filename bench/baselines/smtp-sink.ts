// A local SMTP sink (the smtp-server package) for the notifier scenario: accepts every message, keeps
// nothing but a count, which GET http://127.0.0.1:<BENCH_COUNT_PORT>/ answers.
import { createServer } from 'node:http';
import { SMTPServer } from 'smtp-server';

let accepted = 0;
const smtp = new SMTPServer({
  disabledCommands: ['AUTH', 'STARTTLS'],
  authOptional: true,
  logger: false,
  size: 10 * 1024 * 1024,
  onData(stream, _session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      accepted++;
      callback();
    });
  },
});
const counter = createServer((_req, res) => res.end(String(accepted)));
smtp.listen(Number(process.env.BENCH_PORT), '127.0.0.1', () => {
  counter.listen(Number(process.env.BENCH_COUNT_PORT), '127.0.0.1', () => console.log('listening'));
});
process.on('SIGTERM', () => {
  counter.close();
  smtp.close(() => process.exit(0));
});
