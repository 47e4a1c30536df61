import type { Agreement } from '@cstr/policy';
import { agreementView } from './agreements.controller';

const agreement = (change: Partial<Agreement> = {}): Agreement => ({
  id: 'test',
  version: 2,
  status: 'active',
  period: { start: '2026-04-01', end: '2027-03-31' },
  legalBasis: { article6: '6(1)(e)' },
  flows: [],
  ...change,
});

describe('agreementView', () => {
  it('is in force when active and today is within its period, and counts the days to its end', () => {
    expect(agreementView(agreement(), '2026-11-30')).toMatchObject({ inForce: true, daysToExpiry: 121, title: null });
    expect(agreementView(agreement(), '2027-03-31')).toMatchObject({ inForce: true, daysToExpiry: 0 });
    expect(agreementView(agreement(), '2027-04-01')).toMatchObject({ inForce: false, daysToExpiry: -1 });
    expect(agreementView(agreement(), '2026-03-31')).toMatchObject({ inForce: false });
  });

  it('is not in force unless active; open-ended agreements have no expiry', () => {
    expect(agreementView(agreement({ status: 'suspended' }), '2026-11-30').inForce).toBe(false);
    expect(agreementView(agreement({ status: 'draft' }), '2026-11-30').inForce).toBe(false);
    expect(agreementView(agreement({ period: { start: '2026-01-01' } }), '2030-01-01')).toMatchObject({
      inForce: true,
      daysToExpiry: null,
    });
  });
});
