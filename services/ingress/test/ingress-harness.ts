import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildTopology, connectBus, type Bus } from '@identity-relay/bus';
import { createTestVhost } from '@identity-relay/bus/testing';
import { createLogger, createMetrics, loadConfig } from '@identity-relay/runtime';
import { createIngress, type ConfirmedPublisher } from '../src/index.js';
import { parsePolicy, staticPolicyStore, type PolicyStore } from '../src/policy/store.js';

export const KEYS = {
  kratos: 'kratos-key-0123456789abcdef',
  authentik: 'authentik-token-0123456789abcdef',
  hooks: 'hooks-key-0123456789abcdef',
  notify: 'notify-key-0123456789abcdef',
};
export const SIGNING_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

export const EXAMPLE_POLICY = `
email: { allowDomains: [school.edu, "*.example.org"], blockDomains: [mailinator.com] }
username: { pattern: "^[a-z0-9_]{3,32}$" }
traits: { required: [user_type] }
roles:
  - { grant: [teacher], when: { emailDomain: school.edu } }
  - { grant: [merchant], when: { trait: { type: merchant } } }
`;

/** A real ingress on a real vhost; `published` counts messages the broker confirmed (the real bus underneath). */
export interface IngressHarness {
  base: string;
  vhostUrl: string;
  bus: Bus;
  published: Array<{ messageId: string; type: string; routingKey: string }>;
  /** Log lines written at `logLevel` and above (none unless `logLevel` was given). */
  logs: string[];
  dispose(): Promise<void>;
}

export async function startIngress(
  opts: { env?: Record<string, string>; policy?: PolicyStore; logLevel?: 'info' | 'debug' } = {},
): Promise<IngressHarness> {
  const vhost = await createTestVhost();
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      AMQP_URL: vhost.url,
      KRATOS_API_KEY: KEYS.kratos,
      AUTHENTIK_WEBHOOK_TOKEN: KEYS.authentik,
      AUTHENTIK_WEBHOOK_SECRET: SIGNING_SECRET,
      HOOKS_API_KEY: KEYS.hooks,
      NOTIFY_API_KEY: KEYS.notify,
      BODY_LIMIT_BYTES: '65536',
      PUBLISH_TIMEOUT_MS: '2000',
      ...opts.env,
    },
    { service: 'ingress' },
  );
  const logs: string[] = [];
  const logger = createLogger({
    service: 'ingress-test',
    level: opts.logLevel ?? 'silent',
    destination: { write: (line: string) => void logs.push(line) },
  });
  const { registry } = createMetrics('ingress-test');
  const bus = await connectBus({
    url: vhost.url,
    name: 'ingress-test',
    logger,
    registry,
    topology: buildTopology({ retryDelaysMs: config.retryDelaysMs }),
  });
  const published: IngressHarness['published'] = [];
  const publisher: ConfirmedPublisher = {
    async publish(msg, o) {
      await bus.publish(msg, o);
      published.push({ messageId: msg.messageId, type: msg.type, routingKey: msg.routingKey });
    },
  };
  const app = createIngress({
    config,
    logger,
    registry,
    publisher,
    policy: opts.policy ?? staticPolicyStore(parsePolicy(EXAMPLE_POLICY, 'example')),
    isBrokerConnected: () => bus.isConnected(),
  });
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    vhostUrl: vhost.url,
    bus,
    published,
    logs,
    async dispose() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await bus.close();
      await vhost.dispose();
    },
  };
}
