import type { PrismaClient } from '@identity-relay/db';
import {
  claimPending,
  markDeliveries,
  otherClaimsLapseIn,
  releaseClaims,
  renewClaims,
  type DeliveryMark,
  type PendingDelivery,
} from './claims.js';
import { traitsOf } from './letter.js';
import { skipHeldBack, suppress, type Bounce } from './suppressions.js';

/**
 * What one sending round of one notification reads and writes: its claims, their outcomes and the
 * suppression list. The round's logic (delivery-round.ts) sees only this, so unit tests drive it with a fake.
 */
export interface RoundStore {
  /** Skips pending deliveries to suppressed or opted-out addresses; returns how many. */
  skipHeldBack(): Promise<number>;
  /** Claims up to `limit` unheld pending deliveries for this round, for `leaseMs`. */
  claim(limit: number, leaseMs: number): Promise<PendingDelivery[]>;
  /** Extends the lease of everything this round still holds. */
  renew(leaseMs: number): Promise<void>;
  /** Gives back what this round holds and did not finish. */
  release(): Promise<void>;
  /** Milliseconds until another round's first lease lapses, or null when no other round holds any. */
  otherClaimsLapseIn(): Promise<number | null>;
  /** Records the outcome of several sends in one write. */
  mark(marks: DeliveryMark[]): Promise<void>;
  /** Puts permanently refused addresses on the suppression list. */
  suppress(bounces: Bounce[]): Promise<void>;
  /** The synced traits of the given identities, for templates that read them. */
  traitsOf(identityIds: string[]): Promise<Map<string, Record<string, unknown>>>;
}

/** The round store of round `round` of notification `notificationId` (on `list`), in Postgres. */
export function prismaRoundStore(
  prisma: PrismaClient,
  notification: { id: string; list: string },
  round: string,
): RoundStore {
  const { id, list } = notification;
  return {
    skipHeldBack: () => skipHeldBack(prisma, id, list),
    claim: (limit, leaseMs) => claimPending(prisma, id, round, limit, leaseMs),
    renew: (leaseMs) => renewClaims(prisma, id, round, leaseMs),
    release: () => releaseClaims(prisma, round),
    otherClaimsLapseIn: () => otherClaimsLapseIn(prisma, id, round),
    mark: (marks) => markDeliveries(prisma, id, marks),
    suppress: (bounces) => suppress(prisma, id, bounces),
    traitsOf: (ids) => traitsOf(prisma, ids),
  };
}
