const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** RECONCILE_INTERVAL (`90s`, `30m`, `6h`, `1d`) in milliseconds; throws RangeError for anything else. */
export function parseInterval(text: string): number {
  const match = /^([1-9][0-9]{0,5})(s|m|h|d)$/.exec(text.trim());
  if (!match) throw new RangeError(`interval must look like 90s, 30m, 6h or 1d, got ${JSON.stringify(text)}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
