// A local SMTP sink (test-support's SmtpSink) for the notifier scenario: accepts every message, keeps nothing but
// a count (no parsing), which GET http://127.0.0.1:<BENCH_COUNT_PORT>/ answers.
import { createServer } from 'node:http';
import { SmtpSink } from '@identity-relay/test-support';

const sink = new SmtpSink({ port: Number(process.env.BENCH_PORT), size: 10 * 1024 * 1024 });
await sink.start();
const counter = createServer((_req, res) => res.end(String(sink.count)));
counter.listen(Number(process.env.BENCH_COUNT_PORT), '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => {
  counter.close();
  void sink.stop().then(() => process.exit(0));
});
