import type { Appointment } from 'fhir/r4';
import { addMonths } from '../events/event-parts';
import { hubCoding } from './codings';
import { errorsOf, validateResource } from '../validation';
import { buildAuditEvent, buildMessageBundle, buildMessageHeader } from './message.builders';
import { buildOrganization } from './party.builders';
import { buildRiskAssessment } from './clinical.builders';
import { buildAppointment } from './workflow.builders';
import { isUuid, uuidFullUrl, uuidV5 } from './resource-ids';
import { ukCoreProfile } from './uk-core-profiles';

describe('uuidV5', () => {
  it('matches the RFC 4122 name-based SHA-1 reference value', () => {
    // DNS namespace and "www.example.com", as in Python's uuid.uuid5(uuid.NAMESPACE_DNS, 'www.example.com').
    expect(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });

  it('is stable per name and distinct across names', () => {
    const namespace = '5b1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
    expect(uuidV5(namespace, 'Patient')).toBe(uuidV5(namespace, 'Patient'));
    expect(uuidV5(namespace, 'Patient')).not.toBe(uuidV5(namespace, 'Appointment'));
    expect(isUuid(uuidV5(namespace, 'Patient'))).toBe(true);
  });

  it('refuses a namespace that is not a UUID', () => {
    expect(() => uuidV5('not-a-uuid', 'x')).toThrow(TypeError);
  });
});

describe('resource builders', () => {
  it('set resourceType, id and the UK Core profile, keeping the given elements', () => {
    const appointment: Appointment = buildAppointment('a1', {
      status: 'booked',
      participant: [{ status: 'accepted' }],
      meta: { versionId: '2' },
    });
    expect(appointment).toEqual({
      resourceType: 'Appointment',
      id: 'a1',
      meta: { versionId: '2', profile: [ukCoreProfile('Appointment')] },
      status: 'booked',
      participant: [{ status: 'accepted' }],
    });
  });

  it('claim no profile for resource types UK Core does not profile', () => {
    expect(buildRiskAssessment('r1', { status: 'final', subject: { reference: 'urn:uuid:x' } }).meta).toBeUndefined();
  });

  it('give an organisation its ODS or court code and its partner id', () => {
    expect(
      buildOrganization('o1', { code: 'N07CY', name: 'Croydon PDU', partnerId: 'nps-london-croydon' }).identifier,
    ).toEqual([
      { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'N07CY' },
      { system: 'https://cstr-hub.org.uk/fhir/Id/partner', value: 'nps-london-croydon' },
    ]);
    expect(buildOrganization('o2', { code: 'B01CY00', codeKind: 'court', name: 'Croydon MC' }).identifier).toEqual([
      { system: 'https://cstr-hub.org.uk/fhir/Id/court-code', value: 'B01CY00' },
    ]);
  });

  it('assemble a message Bundle with the MessageHeader first', () => {
    const header = {
      fullUrl: uuidFullUrl('h1'),
      resource: buildMessageHeader('h1', {
        eventCoding: { code: 'x' },
        source: { endpoint: 'urn:cstr-hub:partner:a' },
      }),
    };
    const org = { fullUrl: uuidFullUrl('o1'), resource: buildOrganization('o1', { name: 'A' }) };
    const bundle = buildMessageBundle({ id: 'e1', timestamp: '2026-05-11T15:05:00+01:00', header, entries: [org] });
    expect(bundle.entry?.map((entry) => entry.resource?.resourceType)).toEqual(['MessageHeader', 'Organization']);
    expect(bundle).toMatchObject({ type: 'message', identifier: { value: 'urn:uuid:e1' } });
  });
});

describe('hubCoding', () => {
  it('takes the display from the hub CodeSystem', () => {
    expect(hubCoding('https://cstr-hub.org.uk/fhir/CodeSystem/requirement-type', 'atr')).toEqual({
      system: 'https://cstr-hub.org.uk/fhir/CodeSystem/requirement-type',
      code: 'atr',
      display: 'Alcohol Treatment Requirement',
    });
    expect(hubCoding('https://cstr-hub.org.uk/fhir/CodeSystem/requirement-type', 'nope')).toEqual({
      system: 'https://cstr-hub.org.uk/fhir/CodeSystem/requirement-type',
      code: 'nope',
    });
  });
});

describe('addMonths', () => {
  it('adds calendar months, clamping to the last day of a shorter month', () => {
    expect(addMonths('2026-06-02', 6)).toBe('2026-12-02');
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2026-11-15', 3)).toBe('2027-02-15');
  });
});

describe('buildAuditEvent', () => {
  it('builds a UKCore-AuditEvent of a delivery that validates without errors', () => {
    const auditEvent = buildAuditEvent('b7f3c2d1-4e5f-4a6b-8c7d-9e0f1a2b3c4d', {
      type: { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110106', display: 'Export' },
      subtype: [{ system: 'https://cstr-hub.org.uk/fhir/CodeSystem/event-type', code: 'treatment.appointment.missed' }],
      action: 'E',
      recorded: '2026-06-29T16:00:02+01:00',
      outcome: '0',
      agent: [
        {
          who: { identifier: { system: 'https://cstr-hub.org.uk/fhir/Id/partner', value: 'slam-mhtr' } },
          requestor: true,
        },
        {
          who: { identifier: { system: 'https://cstr-hub.org.uk/fhir/Id/partner', value: 'nps-london-croydon' } },
          requestor: false,
        },
      ],
      source: {
        observer: { display: 'cstr-hub' },
        type: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/security-source-type',
            code: '4',
            display: 'Application Server',
          },
        ],
      },
      entity: [
        {
          what: {
            identifier: {
              system: 'https://cstr-hub.org.uk/fhir/Id/event',
              value: 'ac051339-8308-4823-95db-9f6600a23081',
            },
          },
        },
      ],
    });
    expect(auditEvent.meta?.profile).toEqual([ukCoreProfile('AuditEvent')]);
    expect(errorsOf(validateResource(auditEvent))).toEqual([]);
  });
});
