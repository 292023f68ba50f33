import { describe, expect, test } from 'vitest';
import { planMembership, type SubscriberRow } from './plan.js';

const me = 'id-1';
const row = (over: Partial<SubscriberRow>): SubscriberRow => ({
  id: 'r1',
  list: 'educators',
  email: 'a@x.org',
  identityId: me,
  active: true,
  ...over,
});

describe('planMembership', () => {
  test('a new member gets a row', () => {
    expect(planMembership({ identityId: me, email: 'a@x.org', desired: ['educators'], rows: [] })).toEqual([
      { kind: 'insert', list: 'educators', email: 'a@x.org' },
    ]);
  });
  test('an existing active member needs nothing', () => {
    expect(
      planMembership({ identityId: me, email: 'a@x.org', desired: ['educators'], rows: [row({})] }),
    ).toEqual([]);
  });
  test('leaving a list unsubscribes, keeping the row', () => {
    expect(planMembership({ identityId: me, email: 'a@x.org', desired: [], rows: [row({})] })).toEqual([
      { kind: 'unsubscribe', rowId: 'r1', list: 'educators' },
    ]);
  });
  test('coming back reactivates the old row', () => {
    expect(
      planMembership({
        identityId: me,
        email: 'a@x.org',
        desired: ['educators'],
        rows: [row({ active: false })],
      }),
    ).toEqual([
      {
        kind: 'activate',
        rowId: 'r1',
        list: 'educators',
        email: 'a@x.org',
        wasActive: false,
        addressChanged: false,
      },
    ]);
  });
  test('an email change updates the row in place', () => {
    expect(
      planMembership({ identityId: me, email: 'b@x.org', desired: ['educators'], rows: [row({})] }),
    ).toEqual([
      {
        kind: 'activate',
        rowId: 'r1',
        list: 'educators',
        email: 'b@x.org',
        wasActive: true,
        addressChanged: true,
      },
    ]);
  });
  test('an email change onto an address that already has a row takes that row and retires the old one', () => {
    const rows = [row({}), row({ id: 'r2', email: 'b@x.org', identityId: 'other', active: false })];
    expect(planMembership({ identityId: me, email: 'b@x.org', desired: ['educators'], rows })).toEqual([
      {
        kind: 'activate',
        rowId: 'r2',
        list: 'educators',
        email: 'b@x.org',
        wasActive: false,
        addressChanged: false,
      },
      { kind: 'unsubscribe', rowId: 'r1', list: 'educators' },
    ]);
  });
  test('no email means no list; rows of other identities are left alone', () => {
    const rows = [row({}), row({ id: 'r9', identityId: 'other', list: 'staff' })];
    expect(planMembership({ identityId: me, email: null, desired: ['educators'], rows })).toEqual([
      { kind: 'unsubscribe', rowId: 'r1', list: 'educators' },
    ]);
  });
  test('only active rows are unsubscribed', () => {
    expect(
      planMembership({ identityId: me, email: 'a@x.org', desired: [], rows: [row({ active: false })] }),
    ).toEqual([]);
  });
});
