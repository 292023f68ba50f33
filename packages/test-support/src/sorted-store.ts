/**
 * Records by key, with the keys kept in ascending order: what an identity provider's listing pages through
 * (Kratos by id after a keyset token, Authentik by pk in numbered pages). Putting and removing keep the order
 * with a binary search, so a stand-in filled with 100,000 identities in order stays cheap.
 */
export class SortedStore<K extends string | number, V> {
  private readonly byKey = new Map<K, V>();
  private readonly sorted: K[] = [];

  /** Every key, ascending (a live view: do not change it). */
  get keys(): readonly K[] {
    return this.sorted;
  }

  get size(): number {
    return this.byKey.size;
  }

  get(key: K): V | undefined {
    return this.byKey.get(key);
  }

  put(key: K, value: V): void {
    if (!this.byKey.has(key)) this.sorted.splice(this.upperBound(key), 0, key);
    this.byKey.set(key, value);
  }

  remove(key: K): boolean {
    if (!this.byKey.delete(key)) return false;
    this.sorted.splice(this.upperBound(key) - 1, 1);
    return true;
  }

  /** Index in `keys` of the first key greater than `key`. */
  upperBound(key: K): number {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid]! <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
