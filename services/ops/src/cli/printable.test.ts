import { describe, expect, it } from 'vitest';
import { printable, printableJson } from './printable.js';

describe('printable', () => {
  it('shows terminal escapes, OSC 52 clipboard writes, CR and C1 CSI as text', () => {
    const osc52 = '\u001b]52;c;ZWNobyBoaQ==\u0007';
    expect(printable(`a${osc52}b`)).toBe('a\\e]52;c;ZWNobyBoaQ==\\u0007b');
    expect(printable('\u001b]0;pwned\u0007')).toBe('\\e]0;pwned\\u0007');
    expect(printable('ok\rFAKE')).toBe('ok\\rFAKE');
    expect(printable('\u009b31m')).toBe('\\u009b31m');
    expect(printable('abc\u202Edcb')).toBe('abc\\u202edcb');
  });

  it('escapes newlines in single-line fields, keeps them in multi-line bodies', () => {
    expect(printable('boom\nid  status forged')).toBe('boom\\nid  status forged');
    expect(printable('line 1\nline 2\u001b[2J', { multiline: true })).toBe('line 1\nline 2\\e[2J');
  });

  it('leaves ordinary text, accents and emoji alone', () => {
    expect(printable('Zoë 👋 — ok')).toBe('Zoë 👋 — ok');
  });

  it('keeps JSON valid while escaping what JSON.stringify leaves raw', () => {
    const value = { error: 'x\u009b\u007f\u2028\u001b' };
    const text = printableJson(value);
    // eslint-disable-next-line no-control-regex -- control characters are what this looks for
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});
