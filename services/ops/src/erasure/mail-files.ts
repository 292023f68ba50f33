import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** The .eml files in `dir` whose text (headers or body) contains any of `addresses` (lower-cased). */
export async function mailFilesMentioning(dir: string, addresses: readonly string[]): Promise<string[]> {
  if (addresses.length === 0) return [];
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.eml'));
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const text = (await readFile(path, 'utf8').catch(() => '')).toLowerCase();
    if (addresses.some((a) => text.includes(a))) found.push(path);
  }
  return found;
}

export async function removeFiles(paths: readonly string[]): Promise<void> {
  for (const path of paths) await rm(path, { force: true });
}
