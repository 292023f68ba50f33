// Baseline server: the physical floor of the ingress. A bare Express 5 route that parses the same JSON body,
// wraps it in a CloudEvent and makes the same publish the ingress makes — persistent, mandatory, on a confirm
// channel, to identity.events (routed to the identity-sync quorum queue) — and answers 200 once the broker
// confirmed it. No auth, no validation, no logging, no metrics. amqplib with noDelay: without it Nagle's
// algorithm holds each small publish frame back until the previous one is acknowledged.
import { randomUUID } from 'node:crypto';
import { connect } from 'amqplib';
import express from 'express';

const EXCHANGE = 'identity.events';
const ROUTING_KEY = 'kratos.identity.updated';
const TYPE = 'KratosIdentityUpdated';

const model = await connect(process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672', { noDelay: true });
const channel = await model.createConfirmChannel();
channel.on('return', () => console.error('unroutable publish'));

const app = express();
app.post('/kratos/sync-identity', express.json({ limit: '1mb' }), (req, res) => {
  const body = req.body as { identity?: { id?: string } };
  const id = randomUUID();
  const time = new Date();
  const event = {
    specversion: '1.0',
    id,
    source: 'bench/express-publish',
    type: TYPE,
    subject: body.identity?.id,
    time: time.toISOString(),
    datacontenttype: 'application/json',
    data: { identity: body.identity },
  };
  channel.publish(
    EXCHANGE,
    ROUTING_KEY,
    Buffer.from(JSON.stringify(event)),
    {
      persistent: true,
      mandatory: true,
      messageId: id,
      type: TYPE,
      contentType: 'application/cloudevents+json',
      timestamp: Math.floor(time.getTime() / 1000),
    },
    (err: unknown) => {
      if (err) res.status(503).json({ error: 'not confirmed' });
      else res.status(200).json({ id });
    },
  );
});
const server = app.listen(Number(process.env.BENCH_PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : ''}`);
});
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => void model.close().finally(() => process.exit(0))));
