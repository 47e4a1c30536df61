import 'reflect-metadata';
import { DeliusInboxMetrics } from './delius-inbox.metrics';

describe('DeliusInboxMetrics', () => {
  it('counts acknowledged events by type and reason, and serves them in the Prometheus text format', async () => {
    const metrics = new DeliusInboxMetrics();
    metrics.acknowledged(
      'court.hearing.listed',
      'from-common-platform',
      'e1',
      'Delius receives it from Common Platform.',
    );
    metrics.acknowledged(
      'court.hearing.listed',
      'from-common-platform',
      'e2',
      'Delius receives it from Common Platform.',
    );
    metrics.acknowledged('consent.recorded', 'nothing-for-delius', 'e3', 'The hub applies it.');
    await expect(metrics.acknowledgedCount('court.hearing.listed', 'from-common-platform')).resolves.toBe(2);
    await expect(metrics.acknowledgedCount('court.sentence.imposed', 'from-common-platform')).resolves.toBe(0);
    expect(await metrics.registry.metrics()).toContain(
      'cstr_ndelius_events_acknowledged_total{type="consent.recorded",reason="nothing-for-delius"} 1',
    );
  });
});
