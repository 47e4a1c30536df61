import type { EventType } from '@cstr/contracts';
import { tryBuildEventBundle, type EventInput } from '@cstr/fhir';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';
import { DELIUS_INBOX_EVENT_TYPES, planDeliusWrites } from './delius-writes';
import { eventTypesDeliveredTo } from '@cstr/testing';

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
    const plan = planDeliusWrites(
      'treatment.appointment.missed',
      fixtureBundle('treatment.appointment.missed'),
      EVENT_ID,
      PARTNER,
    );
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
    expect(planDeliusWrites('treatment.appointment.missed', bundle, EVENT_ID, PARTNER)).toMatchObject({
      contact: { type: 'AFTA' },
    });
  });

  it('carries no clinical detail: neither the clinician comment nor the clinician', () => {
    const plan = planDeliusWrites(
      'treatment.appointment.missed',
      fixtureBundle('treatment.appointment.missed'),
      EVENT_ID,
      PARTNER,
    );
    const written = JSON.stringify(plan);
    expect(written).not.toMatch(/No contact before or after|explained by his condition|Adeyemi|Room 12/);
  });

  it('writes ATTC for an attended appointment', () => {
    const plan = planDeliusWrites(
      'treatment.appointment.attended',
      fixtureBundle('treatment.appointment.attended'),
      EVENT_ID,
      PARTNER,
    );
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

  /** A fixture of `type` about a person Delius knows (CRN X123456), sent by `sender`. */
  const withCrn = (
    type: EventType,
    sender?: string,
    change: (input: Record<string, unknown>) => void = () => undefined,
  ) =>
    fixtureBundle(type, (input) => {
      (input.person as { identifiers: Record<string, unknown> }).identifiers.crn = 'X123456';
      if (sender) (input.envelope as Record<string, unknown>).sender = sender;
      change(input);
    });

  it.each([
    ['treatment.assessment.completed', 'CSTR_ASSESSMENT_COMPLETED', /assessment: suitable\b/],
    ['treatment.suitability.decided', 'CSTR_SUITABILITY_DECIDED', /suitability: approved/],
    ['treatment.progress.reported', 'CSTR_PROGRESS_REPORTED', /engagement \w+/],
    ['consent.withdrawn', 'CSTR_CONSENT_WITHDRAWN', /withdrew consent/],
    ['ld.screening.completed', 'CSTR_LD_SCREENING', /needs identified: mental-health\./],
    ['pathway.candidate.identified', 'CSTR_CANDIDATE_IDENTIFIED', /Possible candidate/],
    ['pathway.deadline.missed', 'CSTR_DEADLINE_MISSED', /deadline was missed: [a-z-]+ \(due /],
  ] as const)('writes an alert for %s, with outcome codes only', (type, alertType, notes) => {
    const plan = planDeliusWrites(type, withCrn(type), EVENT_ID, PARTNER);
    expect(plan).toMatchObject({
      kind: 'writes',
      crn: 'X123456',
      alert: { type: alertType, externalReference: EVENT_ID },
    });
    expect(plan.kind === 'writes' && plan.alert?.notes).toMatch(notes);
    expect(plan.kind === 'writes' && plan.contact).toBeUndefined();
  });

  it('carries none of the free text of a screening, an assessment or a progress report', () => {
    for (const type of [
      'ld.screening.completed',
      'treatment.assessment.completed',
      'treatment.suitability.decided',
      'treatment.progress.reported',
    ] as const) {
      const input = loadEventFixture(type) as unknown as Record<string, Record<string, unknown>>;
      const freeText = [
        input.assessment?.reason,
        input.decision?.reason,
        input.progress?.summary,
        ...((input.flags as unknown as { note?: string }[] | undefined) ?? []).map((flag) => flag.note),
      ].filter((text): text is string => typeof text === 'string');
      const written = JSON.stringify(planDeliusWrites(type, withCrn(type), EVENT_ID, PARTNER));
      for (const text of freeText) expect(written).not.toContain(text.slice(0, 20));
    }
  });

  it('alerts for a booked three-way meeting (the officer takes part) but acknowledges a booked session (its outcome comes as a contact)', () => {
    expect(
      planDeliusWrites('treatment.appointment.booked', withCrn('treatment.appointment.booked'), EVENT_ID, PARTNER),
    ).toMatchObject({ kind: 'writes', alert: { type: 'CSTR_MEETING_BOOKED' } });
    const session = withCrn(
      'treatment.appointment.booked',
      undefined,
      (input) => ((input.appointment as Record<string, unknown>).serviceType = 'treatment-session'),
    );
    expect(planDeliusWrites('treatment.appointment.booked', session, EVENT_ID, PARTNER)).toMatchObject({
      kind: 'nothing',
      code: 'nothing-for-delius',
    });
  });

  it('alerts when the person has no GP, acknowledges a registration in place', () => {
    for (const type of ['gp.registration.checked', 'gp.registration.changed'] as const) {
      expect(planDeliusWrites(type, withCrn(type), EVENT_ID, PARTNER)).toMatchObject({
        kind: 'nothing',
        code: 'nothing-for-delius',
      });
      const none = withCrn(type, undefined, (input) => delete input.registration);
      expect(planDeliusWrites(type, none, EVENT_ID, PARTNER)).toMatchObject({
        kind: 'writes',
        alert: { type: 'CSTR_GP_NOT_REGISTERED' },
      });
    }
  });

  it.each(['court.hearing.listed', 'court.hearing.resulted', 'court.sentence.imposed'] as const)(
    'acknowledges %s: Delius receives it from Common Platform',
    (type) => {
      expect(planDeliusWrites(type, withCrn(type), EVENT_ID, PARTNER)).toMatchObject({
        kind: 'nothing',
        code: 'from-common-platform',
      });
    },
  );

  it('acknowledges a consent recorded (the hub applies it), and a screening or candidate flag about someone with no CRN yet', () => {
    expect(planDeliusWrites('consent.recorded', withCrn('consent.recorded'), EVENT_ID, PARTNER)).toMatchObject({
      kind: 'nothing',
      code: 'nothing-for-delius',
    });
    for (const type of ['ld.screening.completed', 'pathway.candidate.identified'] as const) {
      const noCrn = fixtureBundle(
        type,
        (input) => delete (input.person as { identifiers: Record<string, unknown> }).identifiers.crn,
      );
      expect(planDeliusWrites(type, noCrn, EVENT_ID, PARTNER)).toMatchObject({
        kind: 'nothing',
        code: 'not-a-probation-case',
      });
    }
  });

  it('has a plan for every event type the agreements deliver to probation', () => {
    const delivered = eventTypesDeliveredTo('probation');
    expect(delivered.length).toBeGreaterThan(10);
    expect(delivered.filter((type) => !(DELIUS_INBOX_EVENT_TYPES as readonly string[]).includes(type))).toEqual([]);
  });

  it('writes nothing for an event this partner sent itself', () => {
    const bundle = fixtureBundle(
      'risk.changed',
      (input) => ((input.envelope as Record<string, unknown>).sender = PARTNER),
    );
    expect(planDeliusWrites('risk.changed', bundle, EVENT_ID, PARTNER)).toMatchObject({
      kind: 'nothing',
      code: 'own-event',
    });
  });

  it('cannot write without a CRN', () => {
    const bundle = fixtureBundle(
      'treatment.appointment.missed',
      (input) => delete (input.person as { identifiers: Record<string, unknown> }).identifiers.crn,
    );
    expect(planDeliusWrites('treatment.appointment.missed', bundle, EVENT_ID, PARTNER)).toMatchObject({
      kind: 'unusable',
      code: 'no-crn',
    });
  });

  it.each([null, 'text', { resourceType: 'Patient' }, { resourceType: 'Bundle', entry: 'nonsense' }])(
    'does not throw on a body that is not a usable Bundle (%p)',
    (body) => {
      expect(planDeliusWrites('treatment.appointment.missed', body, EVENT_ID, PARTNER).kind).toBe('unusable');
    },
  );
});
