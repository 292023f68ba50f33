import { describe, expect, it } from 'vitest';
import { EXCHANGES, QUEUES } from '@identity-relay/bus';
import { ConflictError } from '../errors.js';
import { checkReplayRoute, topicMatches } from './replay-route.js';

describe('topicMatches', () => {
  it('matches AMQP topic patterns', () => {
    expect(topicMatches('#', 'a.b.c')).toBe(true);
    expect(topicMatches('#', '')).toBe(true);
    expect(topicMatches('identity.#', 'identity')).toBe(true);
    expect(topicMatches('identity.#', 'identity.updated')).toBe(true);
    expect(topicMatches('identity.#', 'identities.updated')).toBe(false);
    expect(topicMatches('a.*.c', 'a.b.c')).toBe(true);
    expect(topicMatches('a.*.c', 'a.c')).toBe(false);
    expect(topicMatches('a.#.c', 'a.x.y.c')).toBe(true);
    expect(topicMatches('notification.#', 'news')).toBe(false);
  });
});

describe('checkReplayRoute', () => {
  it('allows the exchanges bound to the queue, with routing keys the binding matches', () => {
    expect(() =>
      checkReplayRoute(QUEUES.notifier, {
        exchange: EXCHANGES.notifications,
        routingKey: 'notification.news',
      }),
    ).not.toThrow();
    expect(() =>
      checkReplayRoute(QUEUES.identitySync, {
        exchange: EXCHANGES.identityEvents,
        routingKey: 'kratos.identity.updated',
      }),
    ).not.toThrow();
    expect(() =>
      checkReplayRoute(QUEUES.notifier, { exchange: '', routingKey: QUEUES.notifier }),
    ).not.toThrow();
  });

  it("refuses another queue's exchange, an unknown exchange, a non-matching key, or the default exchange to another queue", () => {
    for (const route of [
      { exchange: EXCHANGES.identityChanges, routingKey: 'identity.updated' },
      { exchange: 'amq.topic', routingKey: 'notification.news' },
      { exchange: 'evil', routingKey: 'x' },
      { exchange: EXCHANGES.notifications, routingKey: 'other.news' },
      { exchange: '', routingKey: QUEUES.identitySync },
      { exchange: '', routingKey: 'notifier.dead' },
    ]) {
      expect(() => checkReplayRoute(QUEUES.notifier, route), JSON.stringify(route)).toThrow(ConflictError);
    }
  });
});
