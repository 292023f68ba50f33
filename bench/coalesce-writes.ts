// Socket writes and CPU per message with and without coalesceWrites (packages/bus/src/coalesce-writes.ts), raw
// amqplib against the local broker: 20,000 1 KB messages to a quorum queue with 1,000 confirms in flight, then
// consumed with prefetch 1,000 and acked. Prints the median of five interleaved runs of each.
//   npx tsx --conditions=source bench/coalesce-writes.ts   (AMQP_URL, default amqp://guest:guest@127.0.0.1:5672/)
import type { Socket } from 'node:net';
import amqp from 'amqplib';
import { coalesceWrites } from '../packages/bus/src/coalesce-writes.js';

const N = 20000;
const body = Buffer.alloc(1024, 'x');

async function run(coalesce: boolean) {
  const model = await amqp.connect(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/');
  if (coalesce && !coalesceWrites(model)) throw new Error('not patched');
  const sock = (model as unknown as { connection: { stream: Socket } }).connection.stream;
  let writes = 0;
  let writevs = 0;
  const write = sock._write.bind(sock);
  const writev = sock._writev!.bind(sock);
  sock._write = (...args) => (writes++, write(...args));
  sock._writev = (...args) => (writevs++, writev(...args));
  const q = `coalesce-bench-${process.pid}-${Date.now()}`;
  const ch = await model.createConfirmChannel();
  await ch.assertQueue(q, { arguments: { 'x-queue-type': 'quorum' }, durable: true });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // publish with 1000 in flight
  let inflight = 0,
    sent = 0;
  await new Promise<void>((resolve, reject) => {
    let confirmed = 0;
    const pump = () => {
      while (inflight < 1000 && sent < N) {
        inflight++;
        sent++;
        ch.publish('', q, body, { persistent: true }, (err) => {
          if (err) return reject(err);
          inflight--;
          confirmed++;
          if (confirmed === N) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  const tPub = performance.now();
  const cons = await model.createChannel();
  await cons.prefetch(1000);
  await new Promise<void>((resolve) => {
    let got = 0;
    void cons.consume(q, (m) => {
      cons.ack(m!);
      if (++got === N) resolve();
    });
  });
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  await cons.close();
  await ch.deleteQueue(q);
  await model.close();
  return {
    coalesce,
    pubPerS: Math.round(N / ((tPub - t0) / 1000)),
    consPerS: Math.round(N / ((t1 - tPub) / 1000)),
    cpuUsPerMsg: +((cpu.user + cpu.system) / (2 * N)).toFixed(1),
    writes,
    writevs,
  };
}

await run(false);
await run(true); // warm-up
const rows: Awaited<ReturnType<typeof run>>[] = [];
for (let i = 0; i < 5; i++) for (const c of i % 2 ? [true, false] : [false, true]) rows.push(await run(c));
for (const c of [false, true]) {
  const r = rows.filter((x) => x.coalesce === c);
  const median = (k: Exclude<keyof (typeof r)[0], 'coalesce'>) => r.map((x) => x[k]).sort((a, b) => a - b)[2];
  const keys = ['pubPerS', 'consPerS', 'cpuUsPerMsg', 'writes', 'writevs'] as const;
  console.log(JSON.stringify({ coalesce: c, ...Object.fromEntries(keys.map((k) => [k, median(k)])) }));
}
