/**
 * The DRR and ATR flows of config/agreements (cstr-south-london-drr-atr): drug test results reach
 * probation and nobody else; AUDIT and other outcome scores never leave the hub.
 */
import type { EventType } from '@cstr/contracts';
import { DRUG_TEST_SUBSTANCE_SYSTEM, OBSERVATION_TYPE_SYSTEM } from '@cstr/contracts';
import type { Bundle, Observation, ServiceRequest } from 'fhir/r4';
import { AGREEMENTS, fixtureBundle, PARTNERS, senderOf } from '../../test/policy-test-kit';
import { NO_CONSENT } from './consent-state';
import { recipientsFor, type DeliverDecision } from './evaluate';
import type { RelationshipState } from './relationships';

const now = new Date('2026-07-01T10:00:00Z');
/** Every partner of the site connected to the person: only the agreements can hold anything back. */
const everyoneConnected: RelationshipState = {
  connections: Object.fromEntries(PARTNERS.map((partner) => [partner.id, ['allocated-case' as const]])),
};

function decisions(eventType: EventType, bundle: Bundle = fixtureBundle(eventType)) {
  return recipientsFor({
    bundle,
    eventType,
    partners: PARTNERS,
    sender: senderOf(bundle),
    agreements: AGREEMENTS,
    consent: NO_CONSENT,
    relationships: everyoneConnected,
    now,
  });
}

const delivered = (eventType: EventType, bundle?: Bundle) =>
  decisions(eventType, bundle).filter(
    (each): each is { recipient: (typeof PARTNERS)[number]; decision: DeliverDecision } =>
      each.decision.decision === 'deliver',
  );

const observationsOf = (bundle: Bundle): Observation[] =>
  (bundle.entry ?? []).flatMap((entry) =>
    entry.resource?.resourceType === 'Observation' ? [entry.resource as Observation] : [],
  );

const isScore = (observation: Observation): boolean =>
  (observation.code.coding ?? []).some(
    (coding) => coding.system === OBSERVATION_TYPE_SYSTEM && coding.code?.startsWith('outcome-score-'),
  );

describe('DRR and ATR agreements', () => {
  it('deliver drug test results to the probation teams and to no other partner, whoever is connected', () => {
    const copies = delivered('treatment.drug-test.resulted');
    expect(copies.map((copy) => copy.recipient.kind)).toEqual(copies.map(() => 'probation'));
    expect(copies.map((copy) => copy.recipient.id).sort()).toEqual(['nps-london-croydon', 'nps-london-lambeth']);
    for (const copy of copies) {
      expect(copy.decision).toMatchObject({
        agreementId: 'cstr-south-london-drr-atr',
        flowId: 'drug-tests-to-probation',
      });
      expect(copy.decision.legalBasis.statute).toMatch(/ss209-212/);
      // The substances and results arrive whole: one Observation per substance, with its sample date.
      const tests = observationsOf(copy.decision.bundle);
      expect(tests).toHaveLength(3);
      for (const test of tests) {
        expect(test.code.coding?.some((coding) => coding.system === DRUG_TEST_SUBSTANCE_SYSTEM)).toBe(true);
        expect(test.valueCodeableConcept?.coding?.[0].code).toMatch(/^(positive|negative)$/);
        expect(test.effectiveDateTime).toBe('2026-06-10T11:05:00+01:00');
      }
    }
    // Every other partner is refused: the court, L&D, the GP service, the providers.
    const others = decisions('treatment.drug-test.resulted').filter((each) => each.recipient.kind !== 'probation');
    expect(others.every((each) => each.decision.decision === 'refuse')).toBe(true);
  });

  it('let the drug test results reach the court only inside probation review report', () => {
    const copies = delivered('probation.review.reported');
    expect(copies.map((copy) => [copy.recipient.id, copy.decision.flowId])).toEqual([
      ['croydon-mc', 'review-report-to-court'],
      ['camberwell-green-mc', 'review-report-to-court'],
    ]);
    expect(observationsOf(copies[0].decision.bundle)).toHaveLength(6);
  });

  it('never send AUDIT scores taken at an ATR assessment to anyone: probation gets the suitability finding only', () => {
    const bundle = fixtureBundle('treatment.assessment.completed', (input) => {
      const assessment = input as Extract<typeof input, { type: 'treatment.assessment.completed' }>;
      assessment.envelope.sender = 'sl-drug-alcohol-service';
      assessment.envelope.senderOrganization = {
        code: 'NDA',
        name: 'South London Community Drug and Alcohol Service (DRR and ATR)',
        partnerId: 'sl-drug-alcohol-service',
      };
      assessment.assessment.requirementType = 'atr';
      assessment.scores = [{ instrument: 'audit', score: 24, date: '2026-05-20', stage: 'baseline' }];
    });
    expect(observationsOf(bundle).filter(isScore)).toHaveLength(1);
    const copies = delivered('treatment.assessment.completed', bundle);
    expect(copies.map((copy) => [copy.recipient.kind, copy.decision.flowId])).toEqual([
      ['probation', 'assessment-to-probation'],
      ['probation', 'assessment-to-probation'],
    ]);
    for (const copy of copies) {
      expect(observationsOf(copy.decision.bundle).filter(isScore)).toEqual([]);
      expect(observationsOf(copy.decision.bundle).length).toBeGreaterThan(0);
    }
  });

  it('never send AUDIT scores in a progress report from the service: probation gets the engagement summary only', () => {
    const bundle = fixtureBundle('treatment.progress.reported', (input) => {
      const progress = input as Extract<typeof input, { type: 'treatment.progress.reported' }>;
      progress.envelope.sender = 'sl-drug-alcohol-service';
      progress.envelope.senderOrganization = undefined;
      progress.scores = [{ instrument: 'audit', score: 12, date: '2026-08-01', stage: 'review' }];
    });
    const copies = delivered('treatment.progress.reported', bundle);
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      expect(copy.recipient.kind).toBe('probation');
      expect(observationsOf(copy.decision.bundle).filter(isScore)).toEqual([]);
    }
  });

  it('send the DRR of a combined order to the drug and alcohol service, not the MHTR part', () => {
    const bundle = fixtureBundle('court.sentence.imposed', (input) => {
      const sentence = input as Extract<typeof input, { type: 'court.sentence.imposed' }>;
      sentence.sentence.requirements.push({
        id: '2500124',
        type: 'drr',
        lengthMonths: 12,
        startWithinWorkingDays: 2,
        provider: {
          code: 'NDA',
          name: 'South London Community Drug and Alcohol Service (DRR and ATR)',
          partnerId: 'sl-drug-alcohol-service',
        },
      });
    });
    const service = delivered('court.sentence.imposed', bundle).find(
      (copy) => copy.recipient.id === 'sl-drug-alcohol-service',
    );
    expect(service?.decision.flowId).toBe('sentence-to-service');
    const requests = (service?.decision.bundle.entry ?? []).flatMap((entry) =>
      entry.resource?.resourceType === 'ServiceRequest'
        ? [(entry.resource as ServiceRequest).code?.coding?.[0].code]
        : [],
    );
    expect(requests).toEqual(['drr']);
  });
});
