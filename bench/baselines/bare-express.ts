// Baseline server: a bare Express 5 route that parses the same JSON body the ingress gets and answers 200.
// No auth, no validation, no broker: the ceiling the ingress is compared against.
import { randomUUID } from 'node:crypto';
import express from 'express';

const app = express();
app.post('/kratos/sync-identity', express.json({ limit: '1mb' }), (req, res) => {
  const body = req.body as { identity?: { id?: string } };
  res.status(200).json({ id: randomUUID(), subject: body.identity?.id });
});
const server = app.listen(Number(process.env.BENCH_PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : ''}`);
});
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
