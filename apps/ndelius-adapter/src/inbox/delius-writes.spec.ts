import type { EventType } from '@cstr/contracts';
import { tryBuildEventBundle, type EventInput } from '@cstr/fhir';
import { loadEventFixture } from '../../../../libs/fhir/test/fixtures/events/event-fixtures';
import { planDeliusWrites } from './delius-writes';

const EVENT_ID = '0b7f3a52-2f4a-4c4e-9a55-1f2d3c4b5a69';
const PARTNER = 'nps-london-croydon';

function bundleOf(input: EventInput): unknown {
  const built = tryBuildEventBundle(input);
  if (!built.ok) throw new Error(JSON.stringify(built.outcome));
  return built.resource;
}

function fixtureBundle(type: EventType, change: (input: Record<string, unknown>) => void = () => undefined): unknown {
  const input = structuredClone(loadEventFixture(type)) as unknown as Record<string, unknown>;
  change(input);
  return bundleOf(input as unknown as EventInput);
}

describe('planDeliusWrites', () => {
  it('writes AFTC plus an alert for a missed appointment the provider judges unacceptable, keyed by the event id', () => {
    const plan = planDeliusWrites('treatment.appointment.missed', fixtureBundle('treatment.appointment.missed'), EVENT_ID, PARTNER);
    expect(plan).toMatchObject({
      kind: 'writes',
      crn: 'X123456',
      contact: { type: 'AFTC', date: '2026-06-29T14:00:00+01:00', externalReference: EVENT_ID },
      alert: { type: 'CSTR_APPOINTMENT_MISSED', externalReference: EVENT_ID },
    });
    expect(plan.kind === 'writes' && plan.contact?.notes).toMatch(/view of the absence: unacceptable/);
  });

  it('writes AFTA when the absence is acceptable', () => {
    const bundle = fixtureBundle('treatment.appointment.missed', (input) => (input.significance = 'acceptable'));
    expect(planDeliusWrites('treatment.appointment.missed', bundle, EVENT_ID, PARTNER)).toMatchObject({ contact: { type: 'AFTA' } });
  });

  it('carries no clinical detail: neither the clinician comment nor the clinician', () => {
    const plan = planDeliusWrites('treatment.appointment.missed', fixtureBundle('treatment.appointment.missed'), EVENT_ID, PARTNER);
    const written = JSON.stringify(plan);
    expect(written).not.toMatch(/No contact before or after|explained by his condition|Adeyemi|Room 12/);
  });

  it('writes ATTC for an attended appointment', () => {
    const plan = planDeliusWrites('treatment.appointment.attended', fixtureBundle('treatment.appointment.attended'), EVENT_ID, PARTNER);
    expect(plan).toMatchObject({ kind: 'writes', contact: { type: 'ATTC', externalReference: EVENT_ID } });
    expect(plan.kind === 'writes' && plan.alert).toBeUndefined();
  });

  it.each([
    ['risk.changed', 'CSTR_RISK_CHANGED'],
    ['treatment.referral.accepted', 'CSTR_REFERRAL_ACCEPTED'],
    ['treatment.referral.rejected', 'CSTR_REFERRAL_REJECTED'],
    ['treatment.episode.ended', 'CSTR_TREATMENT_ENDED'],
  ] as const)('writes an alert for %s', (type, alertType) => {
    const bundle = fixtureBundle(type, (input) => ((input.envelope as Record<string, unknown>).sender = 'slam-mhtr'));
    const plan = planDeliusWrites(type, bundle, EVENT_ID, PARTNER);
    expect(plan).toMatchObject({ kind: 'writes', alert: { type: alertType, externalReference: EVENT_ID } });
    expect(plan.kind === 'writes' && plan.contact).toBeUndefined();
  });

  it('writes nothing for an event this partner sent itself', () => {
    const bundle = fixtureBundle('risk.changed', (input) => ((input.envelope as Record<string, unknown>).sender = PARTNER));
    expect(planDeliusWrites('risk.changed', bundle, EVENT_ID, PARTNER)).toMatchObject({ kind: 'nothing' });
  });

  it('cannot write without a CRN', () => {
    const bundle = fixtureBundle('treatment.appointment.missed', (input) => delete ((input.person as { identifiers: Record<string, unknown> }).identifiers.crn));
    expect(planDeliusWrites('treatment.appointment.missed', bundle, EVENT_ID, PARTNER)).toMatchObject({ kind: 'unusable', code: 'no-crn' });
  });

  it.each([null, 'text', { resourceType: 'Patient' }, { resourceType: 'Bundle', entry: 'nonsense' }])('does not throw on a body that is not a usable Bundle (%p)', (body) => {
    expect(planDeliusWrites('treatment.appointment.missed', body, EVENT_ID, PARTNER).kind).toBe('unusable');
  });
});
