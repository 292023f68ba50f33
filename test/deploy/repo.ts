import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of a file given relative to the repository root. */
export function repoPath(relative: string): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', relative);
}
