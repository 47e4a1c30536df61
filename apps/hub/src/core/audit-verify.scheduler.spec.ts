import type { AuditLog, ChainVerification } from '@cstr/audit';
import { AuditVerifyScheduler } from './audit-verify.scheduler';
import { HubMetrics } from './hub-metrics';

function schedulerWith(verify: () => Promise<ChainVerification>): {
  scheduler: AuditVerifyScheduler;
  metrics: HubMetrics;
} {
  const metrics = new HubMetrics(
    () => true,
    () => true,
    { defaultMetrics: false },
  );
  const audit = { verify } as unknown as AuditLog;
  return { scheduler: new AuditVerifyScheduler(audit, metrics, { AUDIT_VERIFY_INTERVAL_MS: 0 }), metrics };
}

async function gauge(metrics: HubMetrics, name: string): Promise<number | undefined> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  return metric?.values[0]?.value;
}

describe('AuditVerifyScheduler', () => {
  it('reports an intact chain as 1 with the time it finished', async () => {
    const { scheduler, metrics } = schedulerWith(async () => ({ ok: true, checked: 3, headSeq: 3 }));
    const before = Date.now() / 1000;
    expect(await scheduler.runOnce()).toMatchObject({ ok: true });
    expect(await gauge(metrics, 'cstr_hub_audit_verify_ok')).toBe(1);
    expect(await gauge(metrics, 'cstr_hub_audit_verify_timestamp_seconds')).toBeGreaterThanOrEqual(before);
  });

  it('reports a broken chain as 0', async () => {
    const { scheduler, metrics } = schedulerWith(async () => ({
      ok: false,
      checked: 2,
      headSeq: 3,
      firstBroken: { seq: 2, reason: 'hash-mismatch', detail: 'record 2' },
    }));
    await scheduler.runOnce();
    expect(await gauge(metrics, 'cstr_hub_audit_verify_ok')).toBe(0);
  });

  it('reports nothing when the chain cannot be read, and does not throw', async () => {
    const { scheduler, metrics } = schedulerWith(async () => {
      throw new Error('connection refused');
    });
    expect(await scheduler.runOnce()).toBeUndefined();
    expect(await gauge(metrics, 'cstr_hub_audit_verify_timestamp_seconds')).toBeUndefined();
  });
});
