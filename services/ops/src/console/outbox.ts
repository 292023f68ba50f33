import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface OutboxEntry {
  name: string;
  size: number;
  modified: string;
  to: string;
  subject: string;
}

export interface OutboxPage {
  entries: OutboxEntry[];
  /** Messages in the folder. */
  total: number;
  /** 1-based page number shown. */
  page: number;
  pages: number;
}

/** Messages per page. */
export const OUTBOX_PAGE_SIZE = 50;
/** Only the header block is read for the list. */
const HEADER_BYTES = 8192;
/** A message view shows at most this much of the file. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
/** Files stat'ed at a time while ordering the folder. */
const STAT_BATCH = 32;

function header(text: string, name: string): string {
  const match = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(text);
  return match?.[1]?.replace(/\r?\n[ \t]+/g, ' ').trim() ?? '';
}

/** The first `max` bytes of a file, and its size; never more in memory. */
async function readHead(path: string, max: number): Promise<{ text: string; size: number }> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const buffer = Buffer.alloc(Math.min(size, max));
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    return { text: buffer.subarray(0, bytesRead).toString('utf8'), size };
  } finally {
    await file.close();
  }
}

async function emlNames(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => n.endsWith('.eml'));
  } catch {
    return [];
  }
}

/**
 * One page of the `.eml` files the notifier wrote to MAIL_DIR, most recent first. Ordering needs
 * only each file's metadata (stat'ed a batch at a time); only the page's files are opened, and of
 * those only the first 8 KB (the header block). Memory per request is bounded whatever the folder holds.
 */
export async function listOutbox(dir: string, page = 1): Promise<OutboxPage> {
  const names = await emlNames(dir);
  const dated: Array<{ name: string; mtimeMs: number }> = [];
  for (let i = 0; i < names.length; i += STAT_BATCH) {
    const batch = names.slice(i, i + STAT_BATCH);
    const infos = await Promise.all(batch.map((n) => stat(join(dir, n)).catch(() => null)));
    infos.forEach((info, j) => {
      if (info?.isFile()) dated.push({ name: batch[j]!, mtimeMs: info.mtimeMs });
    });
  }
  dated.sort((a, b) => b.mtimeMs - a.mtimeMs || a.name.localeCompare(b.name));
  const pages = Math.max(1, Math.ceil(dated.length / OUTBOX_PAGE_SIZE));
  const shown = Math.min(Math.max(1, Math.floor(page) || 1), pages);
  const slice = dated.slice((shown - 1) * OUTBOX_PAGE_SIZE, shown * OUTBOX_PAGE_SIZE);
  const entries: OutboxEntry[] = [];
  for (const { name, mtimeMs } of slice) {
    const head = await readHead(join(dir, name), HEADER_BYTES).catch(() => null);
    if (!head) continue;
    entries.push({
      name,
      size: head.size,
      modified: new Date(mtimeMs).toISOString(),
      to: header(head.text, 'To'),
      subject: header(head.text, 'Subject'),
    });
  }
  return { entries, total: dated.length, page: shown, pages };
}

export interface OutboxMessage {
  /** The source, at most MAX_MESSAGE_BYTES of it. */
  source: string;
  size: number;
  truncated: boolean;
}

/** One message's source (at most 1 MB of it), or undefined when `name` is not a listed .eml file (no path tricks). */
export async function readOutboxMessage(dir: string, name: string): Promise<OutboxMessage | undefined> {
  if (!name.endsWith('.eml') || name.includes('/') || name.includes('\\') || name.startsWith('.'))
    return undefined;
  if (!(await emlNames(dir)).includes(name)) return undefined;
  const { text, size } = await readHead(join(dir, name), MAX_MESSAGE_BYTES);
  return { source: text, size, truncated: size > MAX_MESSAGE_BYTES };
}

/** The header block of a message source (up to the first empty line). */
export function headerBlock(source: string): string {
  const end = source.search(/\r?\n\r?\n/);
  return end === -1 ? source : source.slice(0, end);
}
