/**
 * AMQP header tables as JSON: Buffers (byte arrays, and long strings some clients send as bytes)
 * become UTF-8 text when they decode cleanly and `{ "$base64": "..." }` otherwise; bigints become
 * numbers when exact, else strings; Dates become ISO strings.
 */
export function toJsonSafe(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return bufferToJson(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (Array.isArray(value)) return value.map(toJsonSafe);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) out[key] = toJsonSafe(inner);
    return out;
  }
  return value;
}

function bufferToJson(buffer: Buffer): unknown {
  const text = buffer.toString('utf8');
  return Buffer.from(text, 'utf8').equals(buffer) ? text : { $base64: buffer.toString('base64') };
}

/** JSON with object keys sorted at every level, so equal values always hash the same. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(toJsonSafe(value)));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}
