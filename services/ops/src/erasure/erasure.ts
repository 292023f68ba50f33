import {
  MessageType,
  messageRoutes,
  newCloudEvent,
  type IdentityErasedData,
} from '@identity-relay/contracts';
import type { Prisma, PrismaClient } from '@identity-relay/db';
import { NotFoundError } from '../errors.js';
import type { Publisher } from '../store/actions.js';
import { checkId } from '../store/filter.js';
import { deadLettersMentioning, MIN_EXTERNAL_ID_SEARCH } from '../store/mentions.js';
import type { DeadLetterRepository } from '../store/repository.js';
import { mailFilesMentioning, removeFiles } from './mail-files.js';

type Tx = Prisma.TransactionClient;

/** What an erasure touches (dry run: would touch), by kind. Counts only: no erased data. */
export interface ErasureCounts {
  identityEvents: number;
  subscribers: number;
  optOuts: number;
  suppressions: number;
  emailDeliveries: number;
  deadLetters: number;
  auditEntries: number;
  mailFiles: number;
}

export interface ErasureResult {
  identityId: string;
  dryRun: boolean;
  /** Already erased before (a re-run only republishes IdentityErased). */
  alreadyErased: boolean;
  counts: ErasureCounts;
  /** Real run: IdentityErased was confirmed by the broker. */
  published?: boolean;
}

interface Target {
  identityId: string;
  provider: string;
  externalId: string;
  version: number;
  erasedAt: Date | null;
  /** Lower-cased addresses the person was known by. */
  addresses: string[];
  /** What dead letters and audit rows mention them by. */
  terms: string[];
}

const ERASED_BODY = Buffer.from('{"erased":true}');
/** The .eml folder and the transaction are separate: files go after the commit, so a failed commit keeps them. */
const TX_TIMEOUT_MS = 60_000;

/**
 * Right to be forgotten: removes or irreversibly redacts everything identity-relay holds about one person, in
 * one transaction, then deletes their .eml files and publishes IdentityErased. The identity row stays as a
 * tombstone (provider and external id only, `erased_at` set), so identity-sync ignores late webhooks for it, and
 * a database trigger keeps payloads out of any history row written for it later.
 */
export class ErasureService {
  constructor(
    private readonly deps: {
      prisma: PrismaClient;
      repo: DeadLetterRepository;
      publisher: Publisher;
      /** The notifier's .eml folder (when it writes files instead of sending). */
      mailDir?: string;
    },
  ) {}

  async erase(id: string, opts: { actor: string; dryRun: boolean }): Promise<ErasureResult> {
    const target = await this.target(checkId(id));
    const deadLetterIds = await deadLettersMentioning(this.deps.prisma, target.terms);
    const files = this.deps.mailDir ? await mailFilesMentioning(this.deps.mailDir, target.addresses) : [];
    const base = { identityId: target.identityId, alreadyErased: target.erasedAt !== null };
    if (opts.dryRun) {
      const counts = await this.count(target, deadLetterIds.length, files.length);
      return { ...base, dryRun: true, counts };
    }
    const counts = await this.deps.prisma.$transaction(
      async (tx) => {
        const counts = await this.redact(tx, target, deadLetterIds, files.length);
        await this.deps.repo.audit(
          {
            actor: opts.actor,
            action: 'erase',
            deadLetterIds,
            count: 1,
            detail: { identityId: target.identityId, counts: { ...counts } },
          },
          tx,
        );
        return counts;
      },
      { timeout: TX_TIMEOUT_MS, maxWait: TX_TIMEOUT_MS },
    );
    await removeFiles(files);
    await this.publish(target);
    return { ...base, dryRun: false, counts, published: true };
  }

  private async target(identityId: string): Promise<Target> {
    const identity = await this.deps.prisma.identity.findUnique({ where: { id: identityId } });
    if (!identity) throw new NotFoundError(`no identity ${identityId}`);
    const [subscribers, deliveries] = await Promise.all([
      this.deps.prisma.subscriber.findMany({ where: { identityId }, select: { email: true } }),
      this.deps.prisma.emailDelivery.findMany({ where: { identityId }, select: { email: true } }),
    ]);
    const addresses = [
      ...new Set(
        [identity.email, ...subscribers.map((s) => s.email), ...deliveries.map((d) => d.email)]
          .filter((e): e is string => !!e && e.includes('@'))
          .map((e) => e.toLowerCase()),
      ),
    ];
    const terms = [identityId, ...addresses];
    if (identity.externalId.length >= MIN_EXTERNAL_ID_SEARCH) terms.push(identity.externalId);
    return {
      identityId,
      provider: identity.provider,
      externalId: identity.externalId,
      version: identity.version,
      erasedAt: identity.erasedAt,
      addresses,
      terms,
    };
  }

  private async count(t: Target, deadLetters: number, mailFiles: number): Promise<ErasureCounts> {
    const p = this.deps.prisma;
    const [identityEvents, subscribers, optOuts, suppressions, emailDeliveries, audit] = await Promise.all([
      p.identityEvent.count({ where: { identityId: t.identityId } }),
      p.subscriber.count({ where: { OR: [{ identityId: t.identityId }, { email: { in: t.addresses } }] } }),
      p.subscriberOptOut.count({ where: { email: { in: t.addresses } } }),
      p.suppression.count({ where: { email: { in: t.addresses } } }),
      p.$queryRaw<[{ n: bigint }]>`SELECT count(*) AS n FROM email_deliveries
        WHERE identity_id = ${t.identityId}::uuid OR lower(email) = ANY(${t.addresses}::text[])`,
      this.auditRows(p, t),
    ]);
    return {
      identityEvents,
      subscribers,
      optOuts,
      suppressions,
      emailDeliveries: Number(emailDeliveries[0].n),
      deadLetters,
      auditEntries: audit.length,
      mailFiles,
    };
  }

  /** Earlier audit rows whose filter or detail names the person (a bulk action filtered by their email). */
  private auditRows(db: PrismaClient | Tx, t: Target): Promise<Array<{ id: bigint }>> {
    const needles = t.addresses;
    return db.$queryRaw<Array<{ id: bigint }>>`SELECT id FROM audit_log a WHERE EXISTS (
      SELECT 1 FROM unnest(${needles}::text[]) AS t(needle)
      WHERE position(t.needle IN lower(coalesce(a.filter::text, '') || coalesce(a.detail::text, ''))) > 0)`;
  }

  private async redact(
    tx: Tx,
    t: Target,
    deadLetterIds: string[],
    mailFiles: number,
  ): Promise<ErasureCounts> {
    const id = t.identityId;
    await tx.$executeRaw`UPDATE identities SET email = NULL, username = NULL, traits = '{}'::jsonb,
      email_verified = false, state = 'inactive', deleted_at = coalesce(deleted_at, now()),
      erased_at = coalesce(erased_at, now()), updated_at = now() WHERE id = ${id}::uuid`;
    // Unpublished events leave the outbox: their redacted payload must not go out as IdentityChanged.
    await tx.$executeRaw`DELETE FROM identity_outbox
      WHERE event_id IN (SELECT id FROM identity_events WHERE identity_id = ${id}::uuid)`;
    const identityEvents = await tx.$executeRaw`UPDATE identity_events
      SET payload = '{"erased":true}'::jsonb WHERE identity_id = ${id}::uuid`;
    const subscribers = await tx.$executeRaw`DELETE FROM subscribers
      WHERE identity_id = ${id}::uuid OR lower(email) = ANY(${t.addresses}::text[])`;
    // A late IdentityChanged (a replay, a message still queued) must not add the person back to a list.
    await tx.$executeRaw`INSERT INTO subscriber_identity_versions (identity_id, version, deleted, updated_at)
      VALUES (${id}::uuid, ${t.version}, true, now())
      ON CONFLICT (identity_id) DO UPDATE SET version = greatest(subscriber_identity_versions.version, EXCLUDED.version),
        deleted = true, updated_at = now()`;
    const optOuts =
      await tx.$executeRaw`DELETE FROM subscriber_opt_outs WHERE email = ANY(${t.addresses}::text[])`;
    const suppressions =
      await tx.$executeRaw`DELETE FROM suppressions WHERE email = ANY(${t.addresses}::text[])`;
    // The (notification, email) key stays unique with a random placeholder; the Message-ID held a hash of the address.
    const emailDeliveries = await tx.$executeRaw`UPDATE email_deliveries
      SET email = 'erased:' || gen_random_uuid(), message_id = '<erased>', smtp_message_id = NULL, smtp_response = NULL,
          error = NULL, updated_at = now()
      WHERE identity_id = ${id}::uuid OR lower(email) = ANY(${t.addresses}::text[])`;
    await tx.$executeRaw`DELETE FROM dead_letter_edits WHERE dead_letter_id = ANY(${deadLetterIds}::uuid[])`;
    const deadLetters = await tx.$executeRaw`UPDATE dead_letters
      SET body = ${ERASED_BODY}, headers = '{}'::jsonb, error = '(erased)', erased_at = now(),
          status = CASE WHEN status = 'open' THEN 'discarded' ELSE status END, resolved_at = coalesce(resolved_at, now())
      WHERE id = ANY(${deadLetterIds}::uuid[])`;
    const audit = await this.auditRows(tx, t);
    await tx.$executeRaw`UPDATE audit_log SET filter = CASE WHEN filter IS NULL THEN NULL ELSE '{"erased":true}'::jsonb END,
      detail = '{"erased":true}'::jsonb WHERE id = ANY(${audit.map((a) => a.id)}::bigint[])`;
    return {
      identityEvents,
      subscribers,
      optOuts,
      suppressions,
      emailDeliveries,
      deadLetters,
      auditEntries: audit.length,
      mailFiles,
    };
  }

  private async publish(t: Target): Promise<void> {
    const data: IdentityErasedData = {
      identityId: t.identityId,
      provider: t.provider as IdentityErasedData['provider'],
      externalId: t.externalId,
      erasedAt: (t.erasedAt ?? new Date()).toISOString(),
    };
    const event = newCloudEvent({ type: MessageType.IdentityErased, source: 'identity-relay/ops', data });
    const route = messageRoutes.IdentityErased;
    await this.deps.publisher.publish({
      exchange: route.exchange,
      routingKey: route.routingKey(data),
      messageId: event.id,
      type: event.type,
      contentType: 'application/cloudevents+json',
      body: event,
    });
  }
}
