import type { Prisma, PrismaClient } from '@identity-relay/db';
import type { DeadLetterFilter } from './filter.js';

type Db = PrismaClient | Prisma.TransactionClient;

/**
 * External ids shorter than this are not searched for inside bodies: Authentik's numeric `pk` ("42") would
 * match unrelated numbers in every body. UUIDs and Kratos ids are far longer.
 */
export const MIN_EXTERNAL_ID_SEARCH = 8;

/**
 * Ids of the dead letters whose body, headers or error text contain any of `terms` (case-insensitive).
 * Bodies are bytes: `encode(body, 'escape')` reads them as text whatever they hold, so a poison body that is
 * not UTF-8 is searched too. A scan: dead letters are few, and this is an operator's question, not a hot path.
 */
export async function deadLettersMentioning(
  db: Db,
  terms: readonly string[],
  limit = 10_000,
): Promise<string[]> {
  const needles = [...new Set(terms.filter((t) => t.length > 0).map((t) => t.toLowerCase()))];
  if (needles.length === 0) return [];
  const rows = await db.$queryRaw<Array<{ id: string }>>`
    SELECT d.id FROM dead_letters d
    WHERE EXISTS (
      SELECT 1 FROM unnest(${needles}::text[]) AS t(needle)
      WHERE position(t.needle IN lower(encode(d.body, 'escape'))) > 0
         OR position(t.needle IN lower(d.headers::text)) > 0
         OR position(t.needle IN lower(coalesce(d.error, ''))) > 0)
    ORDER BY d.dead_lettered_at DESC
    LIMIT ${limit}`;
  return rows.map((r) => r.id);
}

/** What an identity is known by in message bodies: our id, its external id (when long enough) and email. */
export async function identityTerms(db: Db, identityId: string): Promise<string[]> {
  const identity = await db.identity.findUnique({
    where: { id: identityId },
    select: { externalId: true, email: true },
  });
  const terms = [identityId];
  if (identity && identity.externalId.length >= MIN_EXTERNAL_ID_SEARCH) terms.push(identity.externalId);
  if (identity?.email) terms.push(identity.email);
  return terms;
}

/**
 * The search terms of a filter's mention keys, or null when it has none. Every given key must match, so each
 * key is its own group of alternatives.
 */
export async function mentionGroups(db: Db, filter: DeadLetterFilter): Promise<string[][] | null> {
  const groups: string[][] = [];
  if (filter.identityId) groups.push(await identityTerms(db, filter.identityId));
  if (filter.externalId) groups.push([filter.externalId]);
  if (filter.email) groups.push([filter.email]);
  return groups.length > 0 ? groups : null;
}
