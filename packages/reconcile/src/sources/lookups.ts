import pLimit from 'p-limit';

/** (default) Direct lookups of one batch in flight at once. */
export const LOOKUP_CONCURRENCY = 8;

/**
 * The ids among `externalIds` that `exists` finds, looking them up `concurrency` at a time: the direct GET that
 * confirms a deletion candidate when the IdP has no bulk lookup. Throws the first failure once all settled.
 */
export async function presentByLookups(
  externalIds: readonly string[],
  exists: (externalId: string) => Promise<boolean>,
  concurrency = LOOKUP_CONCURRENCY,
): Promise<Set<string>> {
  const present = new Set<string>();
  await mapLimit(externalIds, concurrency, async (id) => {
    if (await exists(id)) present.add(id);
  });
  return present;
}

/** Runs `task` over `items` with at most `limit` in flight (p-limit); throws the first failure once all settled. */
export async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  const slot = pLimit(limit);
  const results = await Promise.allSettled(items.map((item) => slot(() => task(item))));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}
