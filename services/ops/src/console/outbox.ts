import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface OutboxEntry {
  name: string;
  size: number;
  modified: string;
  to: string;
  subject: string;
}

/** Most recent first; at most this many are listed. */
const MAX_LISTED = 200;
/** Only the header block is read for the list. */
const HEADER_BYTES = 8192;

function header(text: string, name: string): string {
  const match = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(text);
  return match?.[1]?.replace(/\r?\n[ \t]+/g, ' ').trim() ?? '';
}

/** The `.eml` files the notifier wrote to MAIL_DIR; empty when the folder does not exist. */
export async function listOutbox(dir: string): Promise<OutboxEntry[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.eml'));
  } catch {
    return [];
  }
  const entries = await Promise.all(
    names.map(async (name) => {
      const path = join(dir, name);
      const [info, head] = await Promise.all([
        stat(path),
        readFile(path).then((b) => b.subarray(0, HEADER_BYTES).toString('utf8')),
      ]);
      return {
        name,
        size: info.size,
        modified: info.mtime.toISOString(),
        to: header(head, 'To'),
        subject: header(head, 'Subject'),
      };
    }),
  );
  return entries.sort((a, b) => b.modified.localeCompare(a.modified)).slice(0, MAX_LISTED);
}

/** One message's source, or undefined when `name` is not a listed .eml file (no path tricks). */
export async function readOutboxMessage(dir: string, name: string): Promise<string | undefined> {
  if (!name.endsWith('.eml') || name.includes('/') || name.includes('\\') || name.startsWith('.'))
    return undefined;
  const names = await readdir(dir).catch(() => [] as string[]);
  if (!names.includes(name)) return undefined;
  return readFile(join(dir, name), 'utf8');
}
