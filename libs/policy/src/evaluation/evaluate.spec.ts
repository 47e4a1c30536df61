import type { EventType } from '@cstr/contracts';
import { PARTNER_ID_SYSTEM } from '@cstr/fhir';
import type { Bundle, MessageHeader, Patient } from 'fhir/r4';
import { AGREEMENTS, fixtureBundle, PARTNERS, partner, senderOf } from '../../test/policy-test-kit';
import type { Agreement } from '../agreements/agreement';
import { NO_CONSENT, updateConsent, type ConsentState } from './consent-state';
import { evaluate, recipientsFor, type DeliverDecision, type RefuseDecision } from './evaluate';
import { redactBundle } from './redaction';
import { NO_RELATIONSHIPS, type RelationshipState } from './relationships';

const now = new Date('2026-07-01T10:00:00Z');
const slam = partner('slam-mhtr');
const connected = (...ids: string[]): RelationshipState => ({
  connections: Object.fromEntries(ids.map((id) => [id, ['allocated-case' as const]])),
});
const slamConsent: ConsentState = (() => {
  const bundle = fixtureBundle('consent.recorded');
  return updateConsent(NO_CONSENT, { eventType: 'consent.recorded', bundle }, senderOf(bundle), PARTNERS);
})();

function decide(
  eventType: EventType,
  options: {
    recipient?: string;
    agreements?: readonly Agreement[];
    consent?: ConsentState;
    relationships?: RelationshipState;
    bundle?: Bundle;
    at?: Date;
  } = {},
) {
  const bundle = options.bundle ?? fixtureBundle(eventType);
  return evaluate({
    bundle,
    eventType,
    partners: PARTNERS,
    sender: senderOf(bundle),
    recipient: partner(options.recipient ?? 'nps-london-croydon'),
    agreements: options.agreements ?? AGREEMENTS,
    consent: options.consent ?? slamConsent,
    relationships:
      options.relationships ??
      connected('nps-london-croydon', 'slam-mhtr', 'sl-liaison-diversion', 'pds-gp-registration'),
    now: options.at ?? now,
  });
}

function withStatus(id: string, change: Partial<Agreement>): Agreement[] {
  return AGREEMENTS.map((agreement) => (agreement.id === id ? { ...agreement, ...change } : agreement));
}

const entryTypes = (bundle: Bundle) => (bundle.entry ?? []).map((entry) => entry.resource?.resourceType);

describe('evaluate', () => {
  it('delivers a missed appointment to the connected probation unit with the agreement, flow, legal basis and consent', () => {
    const decision = decide('treatment.appointment.missed') as DeliverDecision;
    expect(decision).toEqual(
      expect.objectContaining({
        decision: 'deliver',
        agreementId: 'cstr-south-london-mhtr',
        agreementVersion: 4,
        flowId: 'attendance-to-probation',
        legalBasis: expect.objectContaining({ article6: '6(1)(e)', article9: '9(2)(h)' }),
        consentRef: expect.stringContaining('SLAM-CONSENT-3107'),
      }),
    );
    expect(decision.removedElements).toEqual(
      expect.arrayContaining(['Patient.address', 'Observation.note', 'Practitioner.telecom']),
    );
    const header = decision.bundle.entry?.[0]?.resource as MessageHeader;
    expect(header.destination).toEqual([
      { name: 'nps-london-croydon', endpoint: 'urn:cstr-hub:partner:nps-london-croydon' },
    ]);
  });

  it('refuses by default: no flow for the event, sender and recipient', () => {
    const decision = decide('treatment.appointment.missed', { recipient: 'sl-liaison-diversion' }) as RefuseDecision;
    expect(decision).toEqual(expect.objectContaining({ decision: 'refuse', rule: 'no-active-flow' }));
    expect(decision.reason).toContain('sl-liaison-diversion');
  });

  it('refuses a recipient not connected to the person', () => {
    const decision = decide('treatment.appointment.attended', { recipient: 'nps-london-lambeth' });
    expect(decision).toEqual(
      expect.objectContaining({
        decision: 'refuse',
        rule: 'not-connected',
        agreementId: 'cstr-south-london-mhtr',
        flowId: 'attendance-to-probation',
      }),
    );
  });

  it.each([
    [{ status: 'suspended' as const }, 'agreement-suspended'],
    [{ status: 'expired' as const }, 'agreement-expired'],
    [{ status: 'draft' as const }, 'agreement-draft'],
    [{ period: { start: '2026-04-01', end: '2026-06-30' } }, 'agreement-expired'],
    [{ period: { start: '2026-08-01' } }, 'agreement-not-started'],
  ])('honours the agreement status and period (%j -> %s)', (change, rule) => {
    const decision = decide('treatment.appointment.attended', {
      agreements: withStatus('cstr-south-london-mhtr', change),
    });
    expect(decision).toEqual(
      expect.objectContaining({ decision: 'refuse', rule, agreementId: 'cstr-south-london-mhtr' }),
    );
  });

  it('names the version and legal basis of the agreement that refused, as evaluated', () => {
    const [mhtr] = AGREEMENTS.filter((agreement) => agreement.id === 'cstr-south-london-mhtr');
    const decision = decide('treatment.appointment.attended', {
      agreements: withStatus('cstr-south-london-mhtr', { status: 'suspended' as const, version: mhtr.version + 7 }),
    });
    expect(decision).toMatchObject({
      decision: 'refuse',
      agreementVersion: mhtr.version + 7,
      legalBasis: mhtr.legalBasis,
    });
  });

  it('never uses a draft agreement, even one naming the partners by id', () => {
    const draftOnly = AGREEMENTS.filter((agreement) => agreement.id === 'st-andrews-female-pathway');
    const bundle = fixtureBundle('risk.changed');
    const decision = evaluate({
      bundle,
      eventType: 'risk.changed',
      sender: partner('st-andrews-mhtr'),
      recipient: partner('nps-london-lambeth'),
      partners: PARTNERS,
      agreements: draftOnly,
      consent: NO_CONSENT,
      relationships: connected('nps-london-lambeth'),
      now,
    });
    expect(decision).toEqual(
      expect.objectContaining({
        decision: 'refuse',
        rule: 'agreement-draft',
        agreementId: 'st-andrews-female-pathway',
      }),
    );
  });

  it('refuses consent-required flows without consent, and once consent is withdrawn', () => {
    expect(decide('treatment.appointment.attended', { consent: NO_CONSENT })).toEqual(
      expect.objectContaining({ rule: 'consent-missing' }),
    );
    const [ref] = Object.keys(slamConsent.records);
    const withdrawn: ConsentState = { records: { [ref]: { ...slamConsent.records[ref], status: 'withdrawn' } } };
    expect(decide('treatment.appointment.attended', { consent: withdrawn })).toEqual(
      expect.objectContaining({ rule: 'consent-withdrawn', flowId: 'attendance-to-probation' }),
    );
    // A statutory flow (consent: not-required) still delivers.
    expect(decide('treatment.referral.accepted', { consent: withdrawn })).toEqual(
      expect.objectContaining({ decision: 'deliver', flowId: 'referral-outcome-to-probation' }),
    );
  });

  it('sends probation the engagement summary only, never the outcome scores', () => {
    const decision = decide('treatment.progress.reported') as DeliverDecision;
    const observations = (decision.bundle.entry ?? [])
      .map((entry) => entry.resource)
      .filter((resource) => resource?.resourceType === 'Observation');
    expect(observations).toHaveLength(1);
    expect(JSON.stringify(decision.bundle)).not.toMatch(/outcome-score|44261-6|70274-6/);
    expect(
      decision.removedElements.filter((path) => /^Bundle\.entry\[\d+\] \(Observation outcome-score/.test(path)),
    ).toHaveLength(4);
  });

  it('sends a missed deadline only to the partner who owes the step', () => {
    expect(decide('pathway.deadline.missed', { recipient: 'slam-mhtr' })).toEqual(
      expect.objectContaining({ decision: 'deliver', flowId: 'deadline-to-mh-provider' }),
    );
    expect(decide('pathway.deadline.missed', { recipient: 'nps-london-croydon' })).toEqual(
      expect.objectContaining({ rule: 'not-addressed' }),
    );
  });

  it('refuses when nothing the event is about survives the allow-list', () => {
    const bundle = fixtureBundle('treatment.progress.reported');
    // Only outcome scores: the engagement summary is taken out before evaluation.
    bundle.entry = (bundle.entry ?? []).filter(
      (entry) => !JSON.stringify(entry.resource ?? {}).includes('engagement-summary'),
    );
    const header = bundle.entry[0].resource as MessageHeader;
    header.focus = (header.focus ?? []).filter((focus) =>
      bundle.entry?.some((entry) => entry.fullUrl === focus.reference),
    );
    expect(decide('treatment.progress.reported', { bundle })).toEqual(
      expect.objectContaining({ rule: 'nothing-to-share' }),
    );
  });
});

describe('recipientsFor', () => {
  it('lists the connected partners the flows send a hearing to, each with a decision', () => {
    const bundle = fixtureBundle('court.hearing.listed');
    const results = recipientsFor({
      bundle,
      eventType: 'court.hearing.listed',
      sender: senderOf(bundle),
      partners: PARTNERS,
      agreements: AGREEMENTS,
      consent: NO_CONSENT,
      relationships: connected('nps-london-croydon', 'sl-liaison-diversion', 'slam-mhtr'),
      now,
    });
    expect(results.map(({ recipient, decision }) => `${recipient.id}:${decision.decision}`).sort()).toEqual([
      'nps-london-croydon:deliver',
      'sl-liaison-diversion:deliver',
    ]);
  });

  it('lists nobody for a person nobody is connected to', () => {
    const bundle = fixtureBundle('treatment.appointment.attended');
    expect(
      recipientsFor({
        bundle,
        eventType: 'treatment.appointment.attended',
        sender: slam,
        partners: PARTNERS,
        agreements: AGREEMENTS,
        consent: slamConsent,
        relationships: NO_RELATIONSHIPS,
        now,
      }),
    ).toEqual([]);
  });
});

describe('redactBundle', () => {
  const restrictedBundle = () =>
    fixtureBundle('gp.registration.checked', (input) => Object.assign(input.person, { restricted: true }));

  it('never discloses a restricted patient’s address or GP, whatever the flow says', () => {
    const original = restrictedBundle();
    const gpUrls = (
      (original.entry ?? []).find((entry) => entry.resource?.resourceType === 'Patient')?.resource as Patient
    ).generalPractitioner?.map((reference) => reference.reference);
    expect(gpUrls?.length).toBeGreaterThan(0);
    const { bundle, removedElements } = redactBundle(original, {
      share: {
        Patient: { elements: ['identifier', 'name', 'address', 'generalPractitioner'] },
        Organization: { elements: ['identifier', 'name'] },
      },
      recipientId: 'slam-mhtr',
    });
    const patient = (bundle.entry ?? []).find((entry) => entry.resource?.resourceType === 'Patient')
      ?.resource as Patient;
    expect(patient.address).toBeUndefined();
    expect(patient.generalPractitioner).toBeUndefined();
    expect(patient.meta?.security?.[0]?.code).toBe('R');
    expect((bundle.entry ?? []).map((entry) => entry.fullUrl)).not.toEqual(expect.arrayContaining(gpUrls as string[]));
    expect(removedElements).toEqual(expect.arrayContaining(['Patient.address', 'Patient.generalPractitioner']));
    expect(JSON.stringify(bundle)).not.toContain('Brigstock');
  });

  it('never discloses a restricted patient’s GP practice named elsewhere, e.g. as a Consent actor', () => {
    const original = fixtureBundle('consent.recorded', (input) => Object.assign(input.person, { restricted: true }));
    expect(JSON.stringify(original)).toContain('H85013');
    const { bundle, removedElements } = redactBundle(original, {
      share: {
        Patient: { elements: ['identifier'] },
        Consent: { elements: ['provision'] },
        Organization: { elements: ['identifier', 'name'] },
      },
      recipientId: 'nps-london-croydon',
    });
    expect(JSON.stringify(bundle)).not.toMatch(/H85013|Brigstock/);
    expect(removedElements).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Bundle\.entry\[\d+\] \(Organization\)$/), 'Consent.provision']),
    );
  });

  it('does not change its input, keeps what a valid copy needs and drops references to removed resources', () => {
    const original = fixtureBundle('treatment.appointment.booked');
    const before = JSON.stringify(original);
    const { bundle, removedElements } = redactBundle(original, {
      share: { Patient: { elements: ['identifier'] }, Appointment: { elements: ['start'] } },
      recipientId: 'nps-london-croydon',
    });
    expect(JSON.stringify(original)).toBe(before);
    expect(entryTypes(bundle)).toEqual(['MessageHeader', 'Patient', 'Appointment']);
    const appointment = bundle.entry?.[2]?.resource as unknown as {
      status: string;
      participant: { actor: { reference: string } }[];
      meta: { profile: string[] };
    };
    expect(appointment.status).toBeDefined();
    expect(appointment.meta.profile[0]).toContain('UKCore-Appointment');
    expect(appointment.participant.map((item) => item.actor.reference)).toEqual([bundle.entry?.[1]?.fullUrl]);
    expect(removedElements).toEqual(
      expect.arrayContaining(['Appointment.participant[1]', 'Appointment.participant[2]', 'Appointment.extension']),
    );
    const header = bundle.entry?.[0]?.resource as MessageHeader;
    expect(header.sender).toBeUndefined();
    expect(header.focus).toEqual([{ reference: bundle.entry?.[2]?.fullUrl }]);
  });

  it('keeps a partner Organization when the allow-list does, with the sender reference', () => {
    const { bundle } = redactBundle(fixtureBundle('treatment.referral.rejected'), {
      share: { Task: { elements: ['statusReason', 'owner'] }, Organization: { elements: ['identifier', 'name'] } },
      recipientId: 'nps-london-croydon',
    });
    const organization = (bundle.entry ?? []).find((entry) => entry.resource?.resourceType === 'Organization')
      ?.resource as unknown as { identifier: { system: string }[] };
    expect(organization.identifier.some((identifier) => identifier.system === PARTNER_ID_SYSTEM)).toBe(true);
    expect((bundle.entry?.[0]?.resource as MessageHeader).sender?.reference).toBeDefined();
  });
});

describe('evaluate: the event names its recipients (SPEC §3, §5)', () => {
  const patientOfCopy = (decision: DeliverDecision) =>
    (decision.bundle.entry ?? []).find((entry) => entry.resource?.resourceType === 'Patient')?.resource as Patient;

  it('sends a PSR request only to the provider it names, never to a provider connected before', () => {
    const both = connected('nps-london-croydon', 'slam-mhtr', 'st-andrews-mhtr', 'sl-liaison-diversion');
    expect(decide('probation.psr.requested', { recipient: 'slam-mhtr', relationships: both }).decision).toBe('deliver');
    expect(decide('probation.psr.requested', { recipient: 'st-andrews-mhtr', relationships: both })).toEqual(
      expect.objectContaining({ decision: 'refuse', rule: 'not-addressed' }),
    );
    // The L&D service covering the court is not a treatment provider: the naming does not narrow it.
    expect(decide('probation.psr.requested', { recipient: 'sl-liaison-diversion', relationships: both }).decision).toBe(
      'deliver',
    );
  });

  it('narrows the recipients to a MessageHeader.destination the sender names, by endpoint or receiver', () => {
    const bundle = fixtureBundle('treatment.appointment.missed');
    (bundle.entry?.[0]?.resource as MessageHeader).destination = [
      { endpoint: 'urn:cstr-hub:partner:nps-london-lambeth' },
    ];
    const both = connected('nps-london-croydon', 'nps-london-lambeth');
    expect(decide('treatment.appointment.missed', { bundle, relationships: both })).toEqual(
      expect.objectContaining({ rule: 'not-addressed' }),
    );
  });

  it('adds the identifiers the hub knows only of the systems the flow allows, never a second value of a system sent', () => {
    const known = [
      { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9434765919' },
      { system: 'https://cstr-hub.org.uk/fhir/Id/crn', value: 'X412563' },
      { system: 'https://cstr-hub.org.uk/fhir/Id/cro-number', value: '123456/23C' },
    ];
    const bundle = fixtureBundle('treatment.appointment.missed');
    const decision = evaluate({
      bundle,
      eventType: 'treatment.appointment.missed',
      partners: PARTNERS,
      sender: senderOf(bundle),
      recipient: partner('nps-london-croydon'),
      agreements: AGREEMENTS,
      consent: slamConsent,
      relationships: connected('nps-london-croydon'),
      now,
      knownIdentifiers: known,
    }) as DeliverDecision;
    const systems = (patientOfCopy(decision).identifier ?? []).map((identifier) => identifier.system);
    expect(systems).toContain('https://cstr-hub.org.uk/fhir/Id/crn');
    expect(systems).not.toContain('https://cstr-hub.org.uk/fhir/Id/cro-number');
    expect(systems.filter((system) => system === 'https://fhir.nhs.uk/Id/nhs-number')).toHaveLength(1);
    expect(bundle.entry?.find((entry) => entry.resource?.resourceType === 'Patient')?.resource).toEqual(
      fixtureBundle('treatment.appointment.missed').entry?.find((entry) => entry.resource?.resourceType === 'Patient')
        ?.resource,
    );
  });

  it('withholds a restricted person’s address, telecom and GP when the hub remembers the restriction, label or not', () => {
    const bundle = fixtureBundle('probation.psr.requested');
    const patient = bundle.entry?.find((entry) => entry.resource?.resourceType === 'Patient')?.resource as Patient;
    patient.address = [{ line: ['1 Example Street'], postalCode: 'CR0 1AA' }];
    patient.telecom = [{ system: 'phone', value: '07700900000' }];
    const open = decide('probation.psr.requested', { recipient: 'slam-mhtr', bundle }) as DeliverDecision;
    expect(patientOfCopy(open).address).toBeDefined();
    const restricted = evaluate({
      bundle,
      eventType: 'probation.psr.requested',
      partners: PARTNERS,
      sender: senderOf(bundle),
      recipient: slam,
      agreements: AGREEMENTS,
      consent: slamConsent,
      relationships: connected('slam-mhtr'),
      now,
      restricted: true,
    }) as DeliverDecision;
    expect(patientOfCopy(restricted).address).toBeUndefined();
    expect(patientOfCopy(restricted).telecom).toBeUndefined();
    expect(restricted.removedElements).toEqual(expect.arrayContaining(['Patient.address']));
  });
});

describe('redactBundle: what the audit says was removed', () => {
  it('names a withheld resource by its type, never by a clinical code', () => {
    const bundle = fixtureBundle('treatment.appointment.missed');
    bundle.entry?.push({
      fullUrl: 'urn:uuid:0b7e2f4e-8d1c-4f2a-9d8e-3b2a1c0d9e8f',
      resource: {
        resourceType: 'Condition',
        id: 'diagnosis',
        code: { coding: [{ system: 'http://snomed.info/sct', code: '35489007' }] },
        subject: { reference: (bundle.entry?.[1]?.fullUrl as string) ?? 'Patient/p' },
      } as never,
    });
    const { removedElements } = redactBundle(bundle, {
      share: { Patient: { elements: ['identifier'] } },
      recipientId: 'x',
    });
    expect(removedElements.join(' ')).toContain('(Condition)');
    expect(removedElements.join(' ')).not.toContain('35489007');
  });
});
