import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createBusMetrics, typeLabel } from './metrics.js';

describe('bus metrics labels', () => {
  it('labels known message types by name and everything else `other`', () => {
    expect(typeLabel('IdentityChanged')).toBe('IdentityChanged');
    expect(typeLabel('NotificationRequested')).toBe('NotificationRequested');
    expect(typeLabel('x'.repeat(200))).toBe('other');
    expect(typeLabel('constructor')).toBe('other');
    expect(typeLabel('')).toBe('other');
  });

  it('1,000 distinct hostile types consumed and published add one `other` series, not 1,000', async () => {
    const registry = new Registry();
    const metrics = createBusMetrics(registry);
    for (let i = 0; i < 1000; i++) {
      metrics.consumed('identity-sync', `Evil${i}`, 'dead', 0.001);
      metrics.published('identity.events', `Evil${i}`);
    }
    metrics.consumed('identity-sync', 'KratosIdentityUpdated', 'ack', 0.001);
    const consumed = (await registry.getSingleMetric('identity_relay_messages_consumed_total')!.get()).values;
    expect(consumed.map((v) => v.labels.type).sort()).toEqual(['KratosIdentityUpdated', 'other']);
    expect(consumed.find((v) => v.labels.type === 'other')!.value).toBe(1000);
    const published = (await registry.getSingleMetric('identity_relay_messages_published_total')!.get())
      .values;
    expect(published.map((v) => v.labels.type)).toEqual(['other']);
  });
});
