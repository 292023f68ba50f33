/*
 * A reader for Python literal reprs such as Authentik's event summaries:
 * `{'model': {'app': 'authentik_core', 'pk': 12, 'name': "O'Brien"}, 'ok': True, 'x': None}`.
 * It understands dicts, lists, tuples, sets, str (single or double quotes, escapes, r/b/u prefixes), int,
 * float, True/False/None; anything else (e.g. `UUID('...')`) makes it return undefined so callers can
 * fall back. Nesting is capped so hostile input cannot exhaust the stack.
 */

const MAX_DEPTH = 64;

/** Sticky (`y`): matches at `lastIndex` only, so reading a number never rescans or copies the rest of the text. */
const NUMBER = /-?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+)/y;

class ReprSyntaxError extends Error {}

class Reader {
  i = 0;
  constructor(readonly s: string) {}

  ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i]!)) this.i++;
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) throw new ReprSyntaxError('too deep');
    this.ws();
    const c = this.s[this.i];
    if (c === '{') return this.dict(depth);
    if (c === '[') return this.seq(']', depth);
    if (c === '(') return this.seq(')', depth);
    const str = /^[rRbBuU]{0,2}(['"])/.exec(this.s.slice(this.i, this.i + 3));
    if (str) return this.string();
    NUMBER.lastIndex = this.i;
    const num = NUMBER.exec(this.s);
    if (num) {
      this.i += num[0].length;
      return Number(num[0]);
    }
    for (const [word, v] of [
      ['True', true],
      ['False', false],
      ['None', null],
    ] as const) {
      if (this.s.startsWith(word, this.i) && !/\w/.test(this.s[this.i + word.length] ?? '')) {
        this.i += word.length;
        return v;
      }
    }
    throw new ReprSyntaxError(`unexpected ${JSON.stringify(c ?? 'end')} at ${this.i}`);
  }

  dict(depth: number): unknown {
    this.i++;
    const out: Record<string, unknown> = {};
    let isSet = false;
    const items: unknown[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === '}') break;
      const key = this.value(depth + 1);
      this.ws();
      if (this.s[this.i] === ':') {
        this.i++;
        Object.defineProperty(out, String(key), {
          value: this.value(depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else {
        isSet = true;
        items.push(key);
      }
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') throw new ReprSyntaxError(`expected , or } at ${this.i}`);
    }
    this.i++;
    return isSet ? items : out;
  }

  seq(close: string, depth: number): unknown[] {
    this.i++;
    const out: unknown[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) break;
      out.push(this.value(depth + 1));
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== close) throw new ReprSyntaxError(`expected , or ${close} at ${this.i}`);
    }
    this.i++;
    return out;
  }

  string(): string {
    while (/[rRbBuU]/.test(this.s[this.i]!)) this.i++;
    const quote = this.s[this.i++];
    let out = '';
    for (;;) {
      const c = this.s[this.i++];
      if (c === undefined) throw new ReprSyntaxError('unterminated string');
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.i++];
      const simple: Record<string, string> = {
        n: '\n',
        t: '\t',
        r: '\r',
        '0': '\0',
        '\\': '\\',
        "'": "'",
        '"': '"',
      };
      if (e !== undefined && e in simple) out += simple[e];
      else if (e === 'x' || e === 'u' || e === 'U') {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = this.s.slice(this.i, this.i + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw new ReprSyntaxError('bad escape');
        out += String.fromCodePoint(parseInt(hex, 16));
        this.i += len;
      } else out += `\\${e ?? ''}`;
    }
  }
}

/** Parses a Python literal repr; undefined when the text is not one (or has trailing garbage). */
export function parsePythonLiteral(text: string): unknown {
  const reader = new Reader(text);
  try {
    const value = reader.value(0);
    reader.ws();
    return reader.i === text.length ? value : undefined;
  } catch (err) {
    if (err instanceof ReprSyntaxError || err instanceof RangeError) return undefined;
    throw err;
  }
}
