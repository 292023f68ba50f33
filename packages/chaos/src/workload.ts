import { randomUUID } from 'node:crypto';
import type { KratosIdentity } from '@identity-relay/contracts';
import { postJson, type SenderOptions } from './http-client.js';
import { kratosSyncEventId } from './ids.js';
import type { Ledger, WebhookRecord } from './ledger.js';

/** One identity of the workload. */
export interface ChaosIdentity {
  id: string;
  index: number;
  email: string;
  /** Updates 0..updates-1 are sent; the newest decides the final state. */
  updates: number;
}

/** One update to send. */
export interface UpdateItem {
  identity: ChaosIdentity;
  n: number;
}

/** Every third update makes the identity a student: the subscriber list membership flips with it. */
export function typeOf(n: number): 'educator' | 'student' {
  return n % 3 === 2 ? 'student' : 'educator';
}

const BASE_TIME = Date.UTC(2026, 0, 1);

/** `updated_at` of update `n`: one second apart, so a higher n is always newer. */
export function updatedAt(n: number): string {
  return new Date(BASE_TIME + n * 1000).toISOString();
}

/** The Kratos identity of update `n`, as Kratos' `web_hook` sends it (`{ identity: ctx.identity }`). */
export function kratosIdentity(identity: ChaosIdentity, n: number): KratosIdentity {
  const at = updatedAt(n);
  const created = updatedAt(0);
  return {
    id: identity.id,
    schema_id: 'edu-user',
    schema_url: 'http://kratos:4433/schemas/ZWR1LXVzZXI',
    state: 'active',
    traits: { email: identity.email, type: typeOf(n), n },
    verifiable_addresses: [
      {
        id: randomUUID(),
        value: identity.email,
        verified: true,
        via: 'email',
        status: 'completed',
        created_at: created,
        updated_at: created,
      },
    ],
    recovery_addresses: [],
    metadata_public: null,
    created_at: created,
    updated_at: at,
  } as KratosIdentity;
}

/** Identities `from..from+count-1`; the update count varies (updates, updates-1, updates-2) so final types differ. */
export function makeIdentities(from: number, count: number, updates: number): ChaosIdentity[] {
  return Array.from({ length: count }, (_, i) => {
    const index = from + i;
    return {
      id: randomUUID(),
      index,
      email: `chaos-${index}@school.example`,
      updates: Math.max(1, updates - (index % 3)),
    };
  });
}

/**
 * Update order: by update number, identities interleaved, then each item swapped with one up to `window`
 * places later. Updates of one identity thus often reach the ingress (and the workers) out of order.
 */
export function updateOrder(identities: readonly ChaosIdentity[], window: number): UpdateItem[] {
  const max = Math.max(...identities.map((i) => i.updates));
  const items: UpdateItem[] = [];
  for (let n = 0; n < max; n++)
    for (const identity of identities) if (n < identity.updates) items.push({ identity, n });
  for (let i = 0; i < items.length; i++) {
    const j = Math.min(items.length - 1, i + Math.floor(Math.random() * (window + 1)));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export interface WebhookDriverOptions extends SenderOptions {
  apiKey: string;
}

/** Sends identity webhooks to the ingress and records each one in the ledger. */
export class WebhookDriver {
  sent = 0;
  /** Load webhooks answered 2xx so far, with the trigger id they were sent with. */
  readonly accepted: { item: UpdateItem; triggerId: string }[] = [];

  constructor(
    private readonly opts: WebhookDriverOptions,
    private readonly ledger: Ledger,
  ) {}

  /** One webhook with a fresh trigger id, or `triggerId` to repeat an earlier one (an IdP retry). */
  async send(
    item: UpdateItem,
    kind: WebhookRecord['kind'],
    triggerId: string = randomUUID(),
    retries = this.opts.retries,
  ): Promise<WebhookRecord> {
    const result = await postJson(
      { ...this.opts, retries, onAnswer: (status, at) => this.ledger.answers.push({ at, status }) },
      '/kratos/sync-identity',
      { 'x-api-key': this.opts.apiKey, 'ory-webhook-trigger-id': triggerId },
      { identity: kratosIdentity(item.identity, item.n) },
    );
    const record: WebhookRecord = {
      identity: item.identity.id,
      n: item.n,
      messageId: kratosSyncEventId(triggerId),
      kind,
      statuses: result.statuses,
      accepted: result.status >= 200 && result.status < 300,
    };
    this.ledger.emails.set(item.identity.id, item.identity.email);
    this.ledger.addWebhook(record, result.id);
    this.sent++;
    return record;
  }

  /**
   * Sends `items` with up to `concurrency` requests in flight, starting at most `ratePerSecond` a second
   * (so the load lasts long enough for the faults to land in it). Item `i` waits for `gate(i)` first: the
   * load phase holds back the part of the load meant to run during a fault until that fault has begun, and
   * the schedule resumes from there instead of bursting to catch up. Remembers each trigger id for `resend`.
   */
  async sendAll(
    items: readonly UpdateItem[],
    concurrency: number,
    ratePerSecond: number,
    gate: (index: number) => Promise<void> = async () => {},
  ): Promise<void> {
    let base = Date.now();
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < items.length) {
        const i = next++;
        await gate(i);
        // Item i is due i/rate seconds after the start, or now if a gate or a slow answer held it back.
        base = Math.max(base, Date.now() - (i * 1000) / ratePerSecond);
        const wait = base + (i * 1000) / ratePerSecond - Date.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const item = items[i]!;
        const triggerId = randomUUID();
        // Every fifth sender gives up at the first 503: those requests end refused, and some of them may
        // still have reached the broker (a confirm that timed out), which must then be applied whole.
        const record = await this.send(item, 'load', triggerId, i % 5 === 4 ? 0 : this.opts.retries);
        if (record.accepted) this.accepted.push({ item, triggerId });
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
  }

  /** Sends an accepted webhook again with its trigger id, as an IdP does when it missed the answer. */
  async resend(index: number): Promise<WebhookRecord | undefined> {
    const earlier = this.accepted[index];
    return earlier && this.send(earlier.item, 'idp-retry', earlier.triggerId);
  }
}
