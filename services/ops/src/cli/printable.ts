/**
 * Characters a terminal may act on instead of printing: C0 controls (ESC starts title changes, OSC 52
 * clipboard writes, cursor moves; CR overwrites a line), DEL, C1 controls (U+009B is a one-byte CSI),
 * line and paragraph separators, and bidirectional overrides that make text read differently.
 */
// eslint-disable-next-line no-control-regex -- control characters are what these match
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_BUT_NEWLINE_TAB =
  // eslint-disable-next-line no-control-regex -- as above
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

function escapeChar(c: string): string {
  return SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * Text from a dead letter made safe for a terminal: every control character is shown as an escape
 * (`\e`, `\n`, `\u009b`), so nothing in a message can move the cursor, forge a line, retitle the
 * window or write the clipboard. `multiline` keeps newlines and tabs (message bodies).
 */
export function printable(text: string, opts: { multiline?: boolean } = {}): string {
  return text.replace(opts.multiline ? CONTROL_BUT_NEWLINE_TAB : CONTROL, escapeChar);
}

/**
 * JSON for a terminal: JSON.stringify already escapes C0 controls, not DEL, C1 controls,
 * separators or bidi overrides; those become `\uXXXX` too, which is still the same JSON.
 */
export function printableJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(CONTROL_BUT_NEWLINE_TAB, (c) =>
    c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
