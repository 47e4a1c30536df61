import { fixtureBundle, partner, PARTNERS, senderOf } from '../../test/policy-test-kit';
import type { EventType } from '@cstr/contracts';
import type { Bundle, Consent } from 'fhir/r4';
import {
  consentFor,
  consentWarnings,
  NO_CONSENT,
  updateConsent,
  withinPeriod,
  type ConsentState,
} from './consent-state';

function apply(state: ConsentState, eventType: EventType, bundle: Bundle = fixtureBundle(eventType)): ConsentState {
  return updateConsent(state, { eventType, bundle }, senderOf(bundle), PARTNERS);
}

const slam = partner('slam-mhtr');
const croydon = partner('nps-london-croydon');
const lambeth = partner('nps-london-lambeth');
const gp = partner('pds-gp-registration');
const june = new Date('2026-06-15T12:00:00Z');

describe('consent state', () => {
  it('records the recipients a consent names, by partner id and GP practice', () => {
    const state = apply(NO_CONSENT, 'consent.recorded');
    const [record] = Object.values(state.records);
    expect(record.discloser).toBe('slam-mhtr');
    expect(record.recipients).toEqual(['nps-london-croydon', 'practice:H85013']);
    expect(consentFor(state, slam, croydon, june)).toEqual({ status: 'active', ref: record.ref });
    expect(consentFor(state, slam, gp, june).status).toBe('active');
  });

  it('is missing for a recipient the consent does not name, another discloser, or outside its period', () => {
    const state = apply(NO_CONSENT, 'consent.recorded');
    expect(consentFor(state, slam, lambeth, june)).toEqual({ status: 'missing' });
    expect(consentFor(state, partner('st-andrews-mhtr'), croydon, june)).toEqual({ status: 'missing' });
    expect(consentFor(state, slam, croydon, new Date('2028-01-01T00:00:00Z'))).toEqual({ status: 'missing' });
    expect(consentFor(NO_CONSENT, slam, croydon, june)).toEqual({ status: 'missing' });
  });

  it('takes the consent of an L&D screening into account', () => {
    const screening = fixtureBundle('ld.screening.completed');
    const state = apply(NO_CONSENT, 'ld.screening.completed', screening);
    expect(consentFor(state, partner('sl-liaison-diversion'), croydon, june).status).toBe('active');
  });

  it('reads an organisation named by ODS code as every partner of it: the region covers its units, one trust code its services', () => {
    const recorded = fixtureBundle('consent.recorded');
    const consent = recorded.entry?.find((entry) => entry.resource?.resourceType === 'Consent')
      ?.resource as unknown as { provision: { actor: { reference: { reference: string } }[] } };
    const byOds = (fullUrl: string, code: string) => ({
      fullUrl,
      resource: {
        resourceType: 'Organization',
        identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: code }],
      },
    });
    recorded.entry?.push(
      byOds('urn:uuid:0b0e2c1e-9f1d-4c55-8a43-3f4a86e1c001', 'N07'),
      byOds('urn:uuid:0b0e2c1e-9f1d-4c55-8a43-3f4a86e1c002', 'RV5'),
    );
    consent.provision.actor = [
      { reference: { reference: 'urn:uuid:0b0e2c1e-9f1d-4c55-8a43-3f4a86e1c001' } },
      { reference: { reference: 'urn:uuid:0b0e2c1e-9f1d-4c55-8a43-3f4a86e1c002' } },
    ];
    const [record] = Object.values(apply(NO_CONSENT, 'consent.recorded', recorded).records);
    expect([...record.recipients].sort()).toEqual([
      'nps-london-croydon',
      'nps-london-lambeth',
      'sl-liaison-diversion',
      'slam-mhtr',
    ]);
  });

  it('stops at once for the recipients a withdrawal names', () => {
    const recorded = fixtureBundle('consent.recorded');
    // The withdrawal of the same consent for the probation unit only.
    const withdrawal = structuredClone(recorded);
    const header = withdrawal.entry?.[0]?.resource as unknown as { eventCoding: { code: string } };
    header.eventCoding.code = 'consent.withdrawn';
    const consent = withdrawal.entry?.find((entry) => entry.resource?.resourceType === 'Consent')
      ?.resource as unknown as { status: string; provision: { actor: unknown[] } };
    consent.status = 'inactive';
    consent.provision.actor = consent.provision.actor.slice(0, 1);
    const state = apply(apply(NO_CONSENT, 'consent.recorded', recorded), 'consent.withdrawn', withdrawal);
    expect(consentFor(state, slam, croydon, june).status).toBe('withdrawn');
    expect(consentFor(state, slam, gp, june).status).toBe('active');
  });

  it('withdraws the whole consent when the withdrawal names nobody', () => {
    const recorded = fixtureBundle('consent.recorded');
    const withdrawal = structuredClone(recorded);
    const consent = withdrawal.entry?.find((entry) => entry.resource?.resourceType === 'Consent')
      ?.resource as unknown as { status: string; provision: { actor?: unknown[] } };
    consent.status = 'inactive';
    delete consent.provision.actor;
    const state = apply(apply(NO_CONSENT, 'consent.recorded', recorded), 'consent.withdrawn', withdrawal);
    expect(consentFor(state, slam, croydon, june).status).toBe('withdrawn');
    expect(consentFor(state, slam, gp, june).status).toBe('withdrawn');
  });

  it('ignores events that carry no consent', () => {
    const state = apply(NO_CONSENT, 'consent.recorded');
    expect(apply(state, 'treatment.appointment.attended')).toBe(state);
  });

  it('counts a date-only period end to the end of that day', () => {
    expect(withinPeriod(new Date('2026-07-10T22:00:00Z'), { start: '2026-05-12', end: '2026-07-10' })).toBe(true);
    expect(withinPeriod(new Date('2026-07-11T00:00:01Z'), { start: '2026-05-12', end: '2026-07-10' })).toBe(false);
    expect(withinPeriod(new Date('2026-05-11T23:59:59Z'), { start: '2026-05-12' })).toBe(false);
  });
});

describe('consent belongs to its sender (SPEC §5)', () => {
  /** The fixture consent, as another provider sends it, its `organization` still naming slam-mhtr. */
  function sentBy(senderId: string, eventType: EventType = 'consent.recorded'): ConsentState {
    return updateConsent(
      NO_CONSENT,
      { eventType, bundle: fixtureBundle('consent.recorded') },
      partner(senderId),
      PARTNERS,
    );
  }

  it('is credited to the sender whatever its organization names, and warns about the claim', () => {
    const state = sentBy('st-andrews-mhtr');
    const [record] = Object.values(state.records);
    expect(record.discloser).toBe('st-andrews-mhtr');
    expect(consentFor(state, slam, croydon, june)).toEqual({ status: 'missing' });
    expect(consentFor(state, partner('st-andrews-mhtr'), croydon, june).status).toBe('active');
    const warnings = consentWarnings(fixtureBundle('consent.recorded'), partner('st-andrews-mhtr'), PARTNERS);
    expect(warnings.map((issue) => issue.diagnostics).join(' ')).toContain('not the sender st-andrews-mhtr');
    expect(consentWarnings(fixtureBundle('consent.recorded'), slam, PARTNERS)).toEqual([]);
  });

  it('names probation by logical reference (probation provider code) as a recipient', () => {
    const bundle = fixtureBundle('consent.recorded');
    const consent = (bundle.entry ?? []).find((entry) => entry.resource?.resourceType === 'Consent')
      ?.resource as Consent;
    consent.provision = {
      ...consent.provision,
      actor: [
        {
          role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] },
          reference: {
            identifier: { system: 'https://cstr-hub.org.uk/fhir/Id/probation-provider-code', value: 'N07' },
          },
        },
      ],
    };
    const state = updateConsent(NO_CONSENT, { eventType: 'consent.recorded', bundle }, slam, PARTNERS);
    expect(consentFor(state, slam, croydon, june).status).toBe('active');
    expect(consentFor(state, slam, lambeth, june).status).toBe('active');
  });

  it('remembers the event that withdrew it, even a withdrawal shaped differently from the recording', () => {
    const recorded = sentBy('slam-mhtr');
    const withdrawal = fixtureBundle('consent.recorded');
    const consent = (withdrawal.entry ?? []).find((entry) => entry.resource?.resourceType === 'Consent')
      ?.resource as Consent;
    consent.status = 'inactive';
    delete consent.identifier; // no identifier: the hub cannot match it to the consent it holds
    delete consent.provision;
    const after = updateConsent(recorded, { eventType: 'consent.withdrawn', bundle: withdrawal }, slam, PARTNERS, {
      eventId: 'withdrawal-1',
    });
    expect(consentFor(after, slam, croydon, june)).toEqual(
      expect.objectContaining({ status: 'withdrawn', withdrawnBy: 'withdrawal-1' }),
    );
  });

  it('lets no other sender withdraw it', () => {
    const recorded = sentBy('slam-mhtr');
    const after = updateConsent(
      recorded,
      { eventType: 'consent.withdrawn', bundle: fixtureBundle('consent.recorded') },
      partner('st-andrews-mhtr'),
      PARTNERS,
    );
    expect(consentFor(after, slam, croydon, june).status).toBe('active');
  });
});
