/**
 * Equality monitoring data (ethnic category, gender identity, disability, communication needs)
 * reaches the hub's reporting and no partner: every flow of every default agreement
 * (config/agreements) strips it from its copy, unless a flow names it explicitly.
 */
import { DISABILITY_SYSTEM, OBSERVATION_TYPE_SYSTEM, type EventType } from '@cstr/contracts';
import { equalityExtensions, ETHNIC_CATEGORY_EXTENSION, type EqualityInput } from '@cstr/fhir';
import type { Bundle, Observation, Patient, Resource } from 'fhir/r4';
import { AGREEMENTS, fixtureBundle, PARTNERS, senderOf } from '../../test/policy-test-kit';
import { isElementOf } from '../agreements/fhir-elements';
import { EQUALITY_CODE_SYSTEMS, EQUALITY_EXTENSION_SLICES } from './equality-elements';
import { NO_CONSENT } from './consent-state';
import { recipientsFor } from './evaluate';
import { redactBundle } from './redaction';
import type { RelationshipState } from './relationships';

const EQUALITY: EqualityInput = {
  ethnicCategory: 'N',
  genderIdentity: 'non-binary',
  disabilities: ['mobility', 'learning'],
  interpreterRequired: true,
  language: 'pl',
};
const EQUALITY_MARKERS = [...Object.values(EQUALITY_EXTENSION_SLICES), ...EQUALITY_CODE_SYSTEMS];

/** A disability recorded as its own resource, as a provider's system might send it. */
function disabilityObservation(patientRef: string): Observation {
  return {
    resourceType: 'Observation',
    id: 'equality-disability',
    status: 'final',
    code: { coding: [{ system: DISABILITY_SYSTEM, code: 'mobility' }] },
    subject: { reference: patientRef },
    valueBoolean: true,
  };
}

/** The event's fixture with every equality field on the Patient, on each other resource, and as a resource. */
function withEquality(type: EventType): Bundle {
  const bundle = fixtureBundle(type);
  const entries = bundle.entry ?? [];
  const patientEntry = entries.find((entry) => entry.resource?.resourceType === 'Patient');
  const patient = patientEntry?.resource as Patient;
  patient.extension = [...(patient.extension ?? []), ...equalityExtensions(EQUALITY)];
  patient.communication = [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'pl' }] }, preferred: true }];
  for (const entry of entries) {
    const resource = entry.resource as (Resource & { extension?: unknown[] }) | undefined;
    if (resource && resource.resourceType !== 'Patient' && resource.resourceType !== 'MessageHeader')
      resource.extension = [...(resource.extension ?? []), ...equalityExtensions({ ethnicCategory: 'N' })];
  }
  entries.push({
    fullUrl: 'urn:uuid:5d1c6f0e-2f7e-4c38-9a51-0d9e4b5c1a11',
    resource: disabilityObservation(patientEntry?.fullUrl ?? `Patient/${patient.id}`),
  });
  return bundle;
}

function leaks(copy: Bundle): string[] {
  const text = JSON.stringify(copy);
  const found = EQUALITY_MARKERS.filter((marker) => text.includes(marker));
  const patient = copy.entry?.find((entry) => entry.resource?.resourceType === 'Patient')?.resource as Patient;
  if (patient.communication !== undefined) found.push('Patient.communication');
  return found;
}

const flows = AGREEMENTS.flatMap((agreement) =>
  agreement.flows.flatMap((flow) => flow.events.map((event) => [agreement.id, flow.id, event, flow] as const)),
);

describe('equality monitoring data under the default agreements', () => {
  it('reads every agreement of config/agreements', () => {
    expect(AGREEMENTS.length).toBeGreaterThanOrEqual(7);
    expect(flows.length).toBeGreaterThan(50);
  });

  it.each(flows.map(([agreement, flow, event, rule]) => [`${agreement} / ${flow} / ${event}`, event, rule] as const))(
    '%s: the delivered copy carries no equality field; sex only where the flow names gender',
    (_name, event, flow) => {
      const { bundle, removedElements } = redactBundle(withEquality(event), { share: flow.share, recipientId: 'x' });
      expect(leaks(bundle)).toEqual([]);
      const patient = bundle.entry?.find((entry) => entry.resource?.resourceType === 'Patient')?.resource as Patient;
      const namesGender = (flow.share.Patient?.elements ?? []).includes('gender');
      expect(patient.gender !== undefined).toBe(namesGender);
      expect(removedElements).toContain('Patient.extension:ethnicCategory');
      // The audit names what was withheld, never its value.
      expect(removedElements.join(' ')).not.toMatch(/mobility|non-binary|\bN\b/);
    },
  );

  it('reaches no partner through the evaluator either, whoever is connected', () => {
    const connected: RelationshipState = {
      connections: Object.fromEntries(PARTNERS.map((partner) => [partner.id, ['allocated-case' as const]])),
    };
    const events = [...new Set(flows.map(([, , event]) => event))];
    let copies = 0;
    for (const event of events) {
      const bundle = withEquality(event);
      const decisions = recipientsFor({
        bundle,
        eventType: event,
        partners: PARTNERS,
        sender: senderOf(bundle),
        agreements: AGREEMENTS,
        consent: NO_CONSENT,
        relationships: connected,
        now: new Date('2026-07-01T10:00:00Z'),
      });
      for (const { decision } of decisions) {
        if (decision.decision !== 'deliver') continue;
        copies += 1;
        expect(leaks(decision.bundle)).toEqual([]);
      }
    }
    expect(copies).toBeGreaterThan(10);
  });
});

describe('a flow that names equality data', () => {
  const observationWhere = `code.coding.where(system = '${DISABILITY_SYSTEM}').exists()`;
  const share = {
    Patient: { elements: ['identifier', 'extension:ethnicCategory'] },
    Observation: { where: observationWhere, elements: ['code', 'value[x]'] },
  };

  it('carries the named extension only, and the resource its where names by code system', () => {
    const { bundle } = redactBundle(withEquality('treatment.progress.reported'), { share, recipientId: 'x' });
    const patient = bundle.entry?.find((entry) => entry.resource?.resourceType === 'Patient')?.resource as Patient;
    expect(patient.extension?.map((extension) => extension.url)).toEqual([ETHNIC_CATEGORY_EXTENSION]);
    const observations = (bundle.entry ?? []).flatMap((entry) =>
      entry.resource?.resourceType === 'Observation' ? [entry.resource] : [],
    );
    expect(observations.map((observation) => observation.id)).toEqual(['equality-disability']);
  });

  it('does not share an equality extension under `extension` alone', () => {
    const { bundle } = redactBundle(withEquality('treatment.progress.reported'), {
      share: { Patient: { elements: ['identifier', 'extension'] } },
      recipientId: 'x',
    });
    expect(leaks(bundle)).toEqual([]);
  });

  it('does not share an equality resource under a where that does not name its code system', () => {
    const { bundle } = redactBundle(withEquality('treatment.progress.reported'), {
      share: { Observation: { where: `status = 'final'`, elements: ['code', 'value[x]'] } },
      recipientId: 'x',
    });
    expect(leaks(bundle)).toEqual([]);
    expect(JSON.stringify(bundle)).toContain(OBSERVATION_TYPE_SYSTEM);
  });

  it('is an allow-list element an agreement may name', () => {
    expect(isElementOf('Patient', 'extension:ethnicCategory')).toBe(true);
    expect(isElementOf('Patient', 'extension:disability')).toBe(true);
    expect(isElementOf('Patient', 'extension:shoeSize')).toBe(false);
  });
});
