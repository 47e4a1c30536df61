/**
 * Property tests of the evaluator over random events (the fixtures, restricted or not) × random
 * agreements (the site's, with random statuses, periods and narrowed allow-lists) × random
 * relationships × random consent: nothing leaves outside an active flow's allow-list, to an
 * unconnected partner, or without the consent a flow needs; a restricted patient's address and
 * GP never leave.
 */
import { EVENT_CATALOGUE, EVENT_TYPES, type EventType } from '@cstr/contracts';
import { buildEventBundle, isGpPractice, validateMessageBundle } from '@cstr/fhir';
import fc from 'fast-check';
import type { Bundle, MessageHeader, Observation, Patient, Resource } from 'fhir/r4';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';
import { AGREEMENTS, PARTNERS, senderOf } from '../../test/policy-test-kit';
import {
  AGREEMENT_STATUSES,
  selectorMatches,
  type Agreement,
  type Flow,
  type ShareRule,
} from '../agreements/agreement';
import { HUB_PARTY, type Sender } from '../partners/partner';
import { ALWAYS_KEPT_META, alwaysKeptElements } from './always-kept';
import { consentFor, NO_CONSENT, updateConsent, type ConsentRecord, type ConsentState } from './consent-state';
import { agreementNotInForce, evaluate, REFUSAL_RULES, type Decision, type EvaluationInput } from './evaluate';
import { matchesWhere } from './redaction';
import { NO_RELATIONSHIPS, updateRelationships, type ConnectionReason, type RelationshipState } from './relationships';

/** The outcome-score Observations of the progress fixture: clinical detail no flow but reporting may carry. */
const OUTCOME_SCORES = (buildEventBundle(loadEventFixture('treatment.progress.reported')).entry ?? []).filter(
  (entry) =>
    entry.resource?.resourceType === 'Observation' &&
    JSON.stringify((entry.resource as Observation).code).includes('outcome-score'),
);

/** The bundle with the outcome scores added as supporting resources about its Patient. */
function withOutcomeScores(bundle: Bundle): Bundle {
  const copy = structuredClone(bundle);
  const patientUrl = copy.entry?.find((entry) => entry.resource?.resourceType === 'Patient')?.fullUrl;
  for (const score of OUTCOME_SCORES) {
    const entry = structuredClone(score);
    (entry.resource as Observation).subject = { reference: patientUrl };
    copy.entry?.push(entry);
  }
  return copy;
}

interface Sample {
  readonly bundle: Bundle;
  readonly restricted: boolean;
  /** fullUrls of the GP practices in the Bundle: the Patient's and any other. */
  readonly gpUrls: readonly string[];
}

const SAMPLES: ReadonlyMap<EventType, readonly Sample[]> = new Map(
  EVENT_TYPES.map((type) => {
    const samples = [false, true, false, true].map((restricted, index) => {
      const input = loadEventFixture(type);
      if (restricted)
        Object.assign(input.person, {
          restricted: true,
          address: input.person.address ?? { line: ['1 High Street'], city: 'Croydon', postalCode: 'CR0 1AA' },
        });
      // Samples 2 and 3 also carry outcome scores, whatever the event: `where` must keep them out.
      const bundle = index < 2 ? buildEventBundle(input) : withOutcomeScores(buildEventBundle(input));
      const patient = bundle.entry?.find((entry) => entry.resource?.resourceType === 'Patient')?.resource as Patient;
      const practices = (bundle.entry ?? [])
        .filter((entry) => isGpPractice(entry.resource))
        .map((entry) => entry.fullUrl ?? '');
      return {
        bundle,
        restricted,
        gpUrls: [...(patient.generalPractitioner ?? []).map((reference) => reference.reference ?? ''), ...practices],
      };
    });
    return [type, samples] as const;
  }),
);

const SENDERS: readonly Sender[] = [...PARTNERS, HUB_PARTY];
const partnerIds = PARTNERS.map((partner) => partner.id);

/** A flow's allow-list narrowed at random: some resource types dropped, some elements dropped. */
function narrowedShare(share: Readonly<Record<string, ShareRule>>): fc.Arbitrary<Record<string, ShareRule>> {
  const types = Object.keys(share);
  return fc
    .tuple(...types.map((type) => fc.tuple(fc.boolean(), fc.subarray([...share[type].elements]))))
    .map((choices) => {
      const narrowed: Record<string, ShareRule> = {};
      choices.forEach(([keep, elements], index) => {
        const type = types[index];
        if (keep || type === 'Patient') narrowed[type] = { ...share[type], elements };
      });
      return narrowed;
    });
}

function flowArbitrary(flow: Flow): fc.Arbitrary<Flow> {
  return fc
    .record({
      share: fc.oneof(fc.constant({ ...flow.share }), narrowedShare(flow.share)),
      consent: fc.constantFrom<Flow['consent']>('required', 'not-required', flow.consent, flow.consent),
    })
    .map((change) => ({ ...flow, ...change }));
}

const periodArbitrary: fc.Arbitrary<Agreement['period']> = fc.oneof(
  { arbitrary: fc.constant({ start: '2026-04-01', end: '2027-03-31' }), weight: 5 },
  fc.constantFrom<Agreement['period']>(
    { start: '2026-04-01', end: '2026-06-30' },
    { start: '2026-09-01' },
    { start: '2025-01-01' },
  ),
);

const agreementsArbitrary: fc.Arbitrary<Agreement[]> = fc
  .tuple(
    ...AGREEMENTS.map((agreement) =>
      fc.option(
        fc
          .record({
            status: fc.oneof(
              { arbitrary: fc.constant('active' as const), weight: 6 },
              fc.constantFrom(...AGREEMENT_STATUSES),
            ),
            period: periodArbitrary,
            flows: fc.tuple(...agreement.flows.map(flowArbitrary)),
          })
          .map((change): Agreement => ({ ...agreement, ...change })),
        { freq: 4, nil: undefined },
      ),
    ),
  )
  .map((agreements) => agreements.filter((agreement): agreement is Agreement => agreement !== undefined));

// Mostly well connected, so that deliveries are common and their copies get checked.
const relationshipsArbitrary: fc.Arbitrary<RelationshipState> = fc
  .oneof({ arbitrary: fc.constant(partnerIds), weight: 2 }, fc.subarray(partnerIds))
  .map((ids) => ({
    connections: Object.fromEntries(ids.map((id) => [id, ['allocated-case'] as ConnectionReason[]])),
  }));

const consentArbitrary: fc.Arbitrary<ConsentState> = fc
  .array(
    fc.record({
      discloser: fc.option(fc.constantFrom(...partnerIds), { freq: 2, nil: undefined }),
      status: fc.constantFrom<ConsentRecord['status']>('active', 'active', 'withdrawn'),
      recipients: fc.oneof(
        { arbitrary: fc.constant([...partnerIds, 'practice:H85013']), weight: 2 },
        fc.subarray([...partnerIds, 'practice:H85013']),
      ),
      withdrawn: fc.oneof({ arbitrary: fc.constant([]), weight: 2 }, fc.subarray(partnerIds)),
      period: fc.constantFrom(undefined, { start: '2026-05-01', end: '2026-12-31' }, { start: '2027-01-01' }),
    }),
    { maxLength: 3 },
  )
  .map((records) => ({
    records: Object.fromEntries(
      records.map((record, index) => {
        const ref = `Consent/${index}`;
        const value: ConsentRecord = {
          ref,
          ...(record.discloser ? { discloser: record.discloser } : {}),
          status: record.status,
          ...(record.period ? { period: record.period } : {}),
          recipients: record.recipients,
          withdrawnRecipients: record.withdrawn,
        };
        return [ref, value];
      }),
    ),
  }));

const caseArbitrary = fc
  .record({
    eventType: fc.constantFrom(...EVENT_TYPES),
    variant: fc.nat({ max: 3 }),
    senderChoice: fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, fc.constantFrom(...SENDERS)),
    recipientChoice: fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, fc.constantFrom(...PARTNERS)),
    recipientIndex: fc.nat(),
    agreements: agreementsArbitrary,
    relationships: relationshipsArbitrary,
    consent: consentArbitrary,
    now: fc.date({ min: new Date('2026-03-01T00:00:00Z'), max: new Date('2027-06-30T00:00:00Z'), noInvalidDate: true }),
  })
  .map(({ eventType, variant, senderChoice, recipientChoice, recipientIndex, ...rest }) => {
    const sample = (SAMPLES.get(eventType) as readonly Sample[])[variant];
    // Mostly a partner of a kind the catalogue sends the event to, sometimes any partner.
    const likely = PARTNERS.filter((candidate) =>
      (EVENT_CATALOGUE[eventType].to as readonly string[]).includes(candidate.kind),
    );
    const recipient = recipientChoice ?? likely[recipientIndex % likely.length];
    // Mostly the fixture's own sender (so flows match), sometimes any partner or the hub.
    const input: EvaluationInput = {
      ...rest,
      recipient,
      partners: PARTNERS,
      eventType,
      bundle: sample.bundle,
      sender: senderChoice ?? senderOf(sample.bundle),
    };
    return { input, sample };
  });

/** True when the allow-list (or the always-kept set) names this JSON key of the resource. */
function keyAllowed(key: string, names: readonly string[]): boolean {
  const element = key.startsWith('_') ? key.slice(1) : key;
  return names.some(
    (name) =>
      name === element ||
      (name.endsWith('[x]') && element.startsWith(name.slice(0, -3)) && /^[A-Z]/.test(element.slice(name.length - 3))),
  );
}

/** Every way the decision breaks the policy; empty when it does not. */
function violations(input: EvaluationInput, sample: Sample, decision: Decision): string[] {
  const problems: string[] = [];
  if (decision.decision === 'refuse') {
    if (!(REFUSAL_RULES as readonly string[]).includes(decision.rule) || decision.rule === 'invalid-message')
      problems.push(`rule ${decision.rule}: ${decision.reason}`);
    if (!decision.reason) problems.push('refusal without a reason');
    return problems;
  }
  const agreement = input.agreements.find((candidate) => candidate.id === decision.agreementId);
  const flow = agreement?.flows.find((candidate) => candidate.id === decision.flowId);
  if (!agreement || !flow) return [`delivered under an unknown flow ${decision.agreementId}/${decision.flowId}`];
  if (agreementNotInForce(agreement, input.now)) problems.push(`agreement ${agreement.id} not in force`);
  if (
    !flow.events.includes(input.eventType) ||
    !selectorMatches(flow.from, input.sender) ||
    !selectorMatches(flow.to, input.recipient)
  )
    problems.push(`flow ${flow.id} does not match`);
  if (!(input.relationships.connections[input.recipient.id] ?? []).length)
    problems.push(`${input.recipient.id} is not connected`);
  if (
    flow.consent === 'required' &&
    consentFor(input.consent, input.sender, input.recipient, input.now).status !== 'active'
  )
    problems.push('no consent');

  const entries = decision.bundle.entry ?? [];
  // Outcome scores are for the hub's reporting only: every flow to probation narrows Observations by `where`.
  if (input.recipient.kind === 'probation' && JSON.stringify(entries).includes('outcome-score'))
    problems.push('outcome scores delivered to probation');
  const header = entries[0]?.resource as MessageHeader;
  if (header?.destination?.[0]?.endpoint !== `urn:cstr-hub:partner:${input.recipient.id}`)
    problems.push('destination is not the recipient');
  const carried = new Set(entries.map((entry) => entry.fullUrl));
  for (const focus of header?.focus ?? [])
    if (!carried.has(focus.reference)) problems.push(`focus ${focus.reference} not carried`);
  for (const entry of entries) {
    const resource = entry.resource as Resource & Record<string, unknown>;
    const type = resource.resourceType;
    const rule = Object.hasOwn(flow.share, type) ? flow.share[type] : undefined;
    if (type !== 'MessageHeader' && type !== 'Patient' && !rule)
      problems.push(`resource type ${type} outside the allow-list`);
    if (rule?.where !== undefined && !matchesWhere(resource, rule.where))
      problems.push(`${type} ${resource.id} fails the where`);
    const names = [...alwaysKeptElements(type), ...(rule?.elements ?? [])];
    for (const key of Object.keys(resource)) {
      if (key === 'resourceType' || key === 'id') continue;
      if (key === 'meta') {
        for (const metaKey of Object.keys(resource.meta ?? {}))
          if (!(ALWAYS_KEPT_META as readonly string[]).includes(metaKey)) problems.push(`${type}.meta.${metaKey} kept`);
      } else if (!keyAllowed(key, names)) problems.push(`${type}.${key} outside the allow-list`);
    }
    if (sample.restricted) {
      if (type === 'Patient' && ((resource as Patient).address || (resource as Patient).generalPractitioner))
        problems.push('restricted patient address or GP disclosed');
      if (sample.gpUrls.includes(entry.fullUrl ?? '')) problems.push('restricted patient GP practice disclosed');
    }
  }
  return problems;
}

describe('evaluate (property)', () => {
  it('delivers nothing outside an active flow, its allow-list, a connected recipient and consent; 10,000 random cases', () => {
    let delivered = 0;
    fc.assert(
      fc.property(caseArbitrary, ({ input, sample }) => {
        const decision = evaluate(input);
        if (decision.decision === 'deliver') delivered++;
        expect(violations(input, sample, decision)).toEqual([]);
      }),
      { numRuns: 10_000 },
    );
    // The generator must exercise deliveries, not only refusals.
    expect(delivered).toBeGreaterThan(800);
  });

  it('delivers copies that are valid message Bundles, with no validation error the original did not have (200 cases)', () => {
    const originalErrors = new Map<Bundle, Set<string>>();
    const errorsOf = (bundle: Bundle) =>
      new Set(
        validateMessageBundle(bundle)
          .issue.filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
          .map((issue) => issue.diagnostics ?? issue.code),
      );
    const delivering = caseArbitrary.filter(({ input }) => evaluate(input).decision === 'deliver');
    fc.assert(
      fc.property(delivering, ({ input, sample }) => {
        const decision = evaluate(input);
        if (decision.decision !== 'deliver') throw new Error('expected a delivery');
        if (!originalErrors.has(sample.bundle)) originalErrors.set(sample.bundle, errorsOf(sample.bundle));
        const known = originalErrors.get(sample.bundle) as Set<string>;
        expect([...errorsOf(decision.bundle)].filter((error) => !known.has(error))).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on malformed messages, and delivers nothing outside the allow-list from them (2,000 cases)', () => {
    const resourceTypes = [
      'MessageHeader',
      'Patient',
      'Observation',
      'Consent',
      'Task',
      'ServiceRequest',
      'Organization',
      'Appointment',
      'constructor',
      'toString',
    ];
    const keys = [
      'meta',
      'id',
      'subject',
      'performer',
      'owner',
      'provision',
      'identifier',
      'generalPractitioner',
      'focus',
      'code',
      'status',
      'organization',
      'participant',
      'source',
    ];
    const junkResource = fc
      .tuple(fc.constantFrom(...resourceTypes), fc.dictionary(fc.constantFrom(...keys), fc.jsonValue({ maxDepth: 3 })))
      .map(([resourceType, fields]) => ({ ...fields, resourceType }));
    const junkEntry = fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.record({
        fullUrl: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 })),
        resource: fc.oneof({ arbitrary: junkResource, weight: 3 }, fc.jsonValue({ maxDepth: 2 })),
      }),
    );
    const junkBundle = fc.record({
      resourceType: fc.constant('Bundle'),
      type: fc.constant('message'),
      entry: fc.oneof(fc.array(junkEntry, { maxLength: 6 }), fc.jsonValue({ maxDepth: 1 })),
    });
    const everyone: RelationshipState = {
      connections: Object.fromEntries(partnerIds.map((id) => [id, ['allocated-case'] as ConnectionReason[]])),
    };
    fc.assert(
      fc.property(
        junkBundle,
        fc.constantFrom(...EVENT_TYPES),
        fc.constantFrom(...SENDERS),
        fc.constantFrom(...PARTNERS),
        (junk, eventType, sender, recipient) => {
          const bundle = junk as unknown as Bundle;
          const event = { eventType, bundle };
          expect(() => updateRelationships(NO_RELATIONSHIPS, event, sender, PARTNERS)).not.toThrow();
          expect(() => updateConsent(NO_CONSENT, event, sender, PARTNERS)).not.toThrow();
          const input = {
            bundle,
            eventType,
            sender,
            recipient,
            partners: PARTNERS,
            agreements: AGREEMENTS,
            consent: NO_CONSENT,
            relationships: everyone,
            now: new Date('2026-07-01T00:00:00Z'),
          };
          const decision = evaluate(input);
          if (decision.decision === 'refuse') expect(REFUSAL_RULES).toContain(decision.rule);
          // What is delivered still keeps to the allow-list, however odd the message.
          else expect(violations(input, { bundle, restricted: false, gpUrls: [] }, decision)).toEqual([]);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
