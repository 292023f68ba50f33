/** One identity webhook the suite sent (with its retries), and how it ended. */
export interface WebhookRecord {
  /** Kratos identity id (`identities.external_id`). */
  identity: string;
  /** Update number: traits.n, and seconds after the identity's base time in `updated_at`. */
  n: number;
  /** Message id, derived from the trigger id exactly as the ingress does. */
  messageId: string;
  kind: 'load' | 'canary' | 'stale-resend' | 'idp-retry';
  statuses: number[];
  /** Answered 2xx in the end. */
  accepted: boolean;
}

/** One notification request the suite sent. */
export interface NotificationRecord {
  id: string;
  statuses: number[];
  accepted: boolean;
}

/** A message published straight to an exchange, bypassing the ingress. */
export interface DirectRecord {
  messageId: string;
  kind: 'poison' | 'duplicate';
  /** The work queue that receives it. */
  queue: string;
}

/** Everything the suite did, for the checks and the summary. */
export class Ledger {
  readonly webhooks: WebhookRecord[] = [];
  readonly notifications: NotificationRecord[] = [];
  readonly direct: DirectRecord[] = [];
  /** The email of each identity, by Kratos identity id. */
  readonly emails = new Map<string, string>();
  /** Every HTTP attempt's status and when it was answered (epoch ms), for the switch-over figures. */
  readonly answers: { at: number; status: number }[] = [];
  /** Set when a 2xx answer's id differs from the id derived here: the id mirrors have drifted. */
  readonly idMismatches: string[] = [];

  addWebhook(record: WebhookRecord, answeredId: string | undefined): void {
    if (answeredId !== undefined && answeredId !== record.messageId)
      this.idMismatches.push(`${record.messageId} answered as ${answeredId}`);
    this.webhooks.push(record);
  }

  /** Distinct message ids answered 2xx. */
  acceptedIds(): Set<string> {
    return new Set(this.webhooks.filter((w) => w.accepted).map((w) => w.messageId));
  }

  /** Distinct message ids never answered 2xx (after every retry). */
  refusedIds(): Set<string> {
    const accepted = this.acceptedIds();
    return new Set(this.webhooks.filter((w) => !accepted.has(w.messageId)).map((w) => w.messageId));
  }

  /** HTTP attempts by outcome, over webhooks and notifications. */
  attemptCounts(): { sent: number; ok: number; refused503: number; failed: number } {
    const all = [...this.webhooks, ...this.notifications].flatMap((r) => r.statuses);
    return {
      sent: all.length,
      ok: all.filter((s) => s >= 200 && s < 300).length,
      refused503: all.filter((s) => s === 503).length,
      failed: all.filter((s) => s === 0 || (s >= 300 && s !== 503)).length,
    };
  }
}
