import { Webhook } from 'standardwebhooks';
import { describe, expect, test } from 'vitest';
import {
  SignatureError,
  signatureHeaders,
  signingKey,
  signStandardWebhook,
  verifyStandardWebhook,
} from './standard-webhooks.js';

// The public test vector of the Standard Webhooks JavaScript library (reference §5).
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TS = 1614265330;
const BODY = '{"test": 2432232314}';
const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';

const key = signingKey(SECRET);
const input = (signature: string, over: Partial<{ id: string; timestamp: string; body: string }> = {}) => ({
  id: over.id ?? ID,
  timestamp: over.timestamp ?? String(TS),
  signature,
  body: Buffer.from(over.body ?? BODY),
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof SignatureError ? err.code : 'other';
  }
}

describe('Standard Webhooks signatures', () => {
  test('the spec test vector signs and verifies', () => {
    expect(signStandardWebhook(key, ID, TS, BODY)).toBe(SIGNATURE);
    expect(verifyStandardWebhook(key, input(SIGNATURE), { nowSeconds: TS })).toBe(ID);
  });

  test('any matching v1 entry among several passes (key rotation); unknown versions are skipped', () => {
    const list = `v1a,abcd v1,Zm9vYmFy ${SIGNATURE} v2,xyz`;
    expect(verifyStandardWebhook(key, input(list), { nowSeconds: TS })).toBe(ID);
  });

  test('a changed body, id or timestamp does not verify', () => {
    expect(
      codeOf(() =>
        verifyStandardWebhook(key, input(SIGNATURE, { body: '{"test": 2432232315}' }), { nowSeconds: TS }),
      ),
    ).toBe('signature_mismatch');
    expect(
      codeOf(() => verifyStandardWebhook(key, input(SIGNATURE, { id: 'msg_other' }), { nowSeconds: TS })),
    ).toBe('signature_mismatch');
    expect(
      codeOf(() =>
        verifyStandardWebhook(key, input(SIGNATURE, { timestamp: String(TS + 1) }), { nowSeconds: TS }),
      ),
    ).toBe('signature_mismatch');
    expect(
      codeOf(() =>
        verifyStandardWebhook(signingKey('whsec_AAAAAAAAAAAAAAAAAAAAAAAA'), input(SIGNATURE), {
          nowSeconds: TS,
        }),
      ),
    ).toBe('signature_mismatch');
  });

  test('timestamps more than 5 minutes away either way are refused', () => {
    expect(verifyStandardWebhook(key, input(SIGNATURE), { nowSeconds: TS + 300 })).toBe(ID);
    expect(verifyStandardWebhook(key, input(SIGNATURE), { nowSeconds: TS - 300 })).toBe(ID);
    expect(codeOf(() => verifyStandardWebhook(key, input(SIGNATURE), { nowSeconds: TS + 301 }))).toBe(
      'timestamp_too_old',
    );
    expect(codeOf(() => verifyStandardWebhook(key, input(SIGNATURE), { nowSeconds: TS - 301 }))).toBe(
      'timestamp_too_new',
    );
  });

  test.each([
    ['no signature', { id: ID, timestamp: String(TS), signature: undefined }, 'signature_missing'],
    ['no id', { id: undefined, timestamp: String(TS), signature: SIGNATURE }, 'signature_missing'],
    ['a dotted id', { id: 'a.b', timestamp: String(TS), signature: SIGNATURE }, 'signature_malformed'],
    [
      'a non-integer timestamp',
      { id: ID, timestamp: '1614265330.5', signature: SIGNATURE },
      'signature_malformed',
    ],
    ['a garbage signature', { id: ID, timestamp: String(TS), signature: 'v1,' }, 'signature_mismatch'],
    ['no comma', { id: ID, timestamp: String(TS), signature: 'v1' }, 'signature_mismatch'],
  ])('%s is refused', (_name, headers, code) => {
    expect(
      codeOf(() => verifyStandardWebhook(key, { ...headers, body: Buffer.from(BODY) }, { nowSeconds: TS })),
    ).toBe(code);
  });

  test('secrets without a key are refused', () => {
    expect(() => signingKey('whsec_')).toThrow(RangeError);
  });
});

describe('against the official standardwebhooks package', () => {
  const official = new Webhook(SECRET);
  const bodies = ['{}', BODY, '{"name":"Zoë ✓","pk":9007199254740993}', 'not json at all\n'];
  const now = () => Math.floor(Date.now() / 1000);

  test('what it signs verifies here', () => {
    for (const [i, body] of bodies.entries()) {
      const id = `msg_${i}_${Math.random().toString(36).slice(2)}`;
      const ts = now();
      const signature = official.sign(id, new Date(ts * 1000), body);
      const headers = { id, timestamp: String(ts), signature };
      expect(verifyStandardWebhook(key, { ...headers, body: Buffer.from(body) })).toBe(id);
      expect(codeOf(() => verifyStandardWebhook(key, { ...headers, body: Buffer.from(`${body} `) }))).toBe(
        'signature_mismatch',
      );
    }
  });

  test('what is signed here verifies there', () => {
    for (const [i, body] of bodies.entries()) {
      const id = `msg_${i}`;
      const ts = now();
      const signature = signStandardWebhook(key, id, ts, body);
      const headers = { 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': signature };
      expect(() => official.verify(body, headers, { jsonParse: false })).not.toThrow();
      expect(() => official.verify(`${body} `, headers, { jsonParse: false })).toThrow();
    }
  });
});

describe('signatureHeaders', () => {
  const webhook = { 'webhook-id': 'a', 'webhook-timestamp': '1', 'webhook-signature': 'v1,x' };
  const svix = { 'svix-id': 'b', 'svix-timestamp': '2', 'svix-signature': 'v1,y' };

  test("reads Standard Webhooks' headers, or Svix's, never a mix", () => {
    expect(signatureHeaders(webhook)).toEqual({ id: 'a', timestamp: '1', signature: 'v1,x' });
    expect(signatureHeaders(svix)).toEqual({ id: 'b', timestamp: '2', signature: 'v1,y' });
    expect(signatureHeaders({ ...svix, ...webhook })).toEqual({ id: 'a', timestamp: '1', signature: 'v1,x' });
    expect(signatureHeaders({ 'svix-signature': 'v1,y', 'webhook-id': 'a' })).toEqual({
      id: undefined,
      timestamp: undefined,
      signature: 'v1,y',
    });
  });

  test('is undefined without a signature header', () => {
    expect(signatureHeaders({ 'webhook-id': 'a', 'svix-id': 'b' })).toBeUndefined();
  });
});
