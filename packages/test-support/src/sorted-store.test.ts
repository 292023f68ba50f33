import { expect, test } from 'vitest';
import { SortedStore } from './sorted-store.js';

test('keys stay ascending and unique through puts and removes, values follow their key', () => {
  const store = new SortedStore<number, string>();
  for (const pk of [5, 1, 9, 3, 5]) store.put(pk, `user ${pk}`);
  expect(store.keys).toEqual([1, 3, 5, 9]);
  expect(store.size).toBe(4);
  store.put(3, 'renamed');
  expect(store.get(3)).toBe('renamed');
  expect(store.remove(5)).toBe(true);
  expect(store.remove(5)).toBe(false);
  expect(store.keys).toEqual([1, 3, 9]);
  expect(store.get(5)).toBeUndefined();
});

test('upperBound is the index of the first key after the given one (a keyset page token)', () => {
  const store = new SortedStore<string, null>();
  for (const id of ['b', 'd', 'a', 'c']) store.put(id, null);
  expect(['', 'a', 'b', 'bb', 'd', 'z'].map((k) => store.upperBound(k))).toEqual([0, 1, 2, 2, 4, 4]);
});
