import fc from 'fast-check';
import {
  ANYTHING,
  expectEvents,
  removeAt,
  setAt,
  expectInvalidAt,
  expectWellFormedResult,
  mutatedFixture,
  partnerFixture,
  testContext,
  testId,
} from '@cstr/fixtures/fhir/partner/partner-fixtures';
import { mapLdScreening } from './ld-screening.mapper';

const LD_SERVICE = { code: 'RV5', name: 'Croydon Liaison and Diversion Service' };
const context = () => testContext('croydon-ld', LD_SERVICE, '2026-11-03T03:26:00Z');
const fixture = (name: string) => partnerFixture('ld', name);

describe('mapLdScreening', () => {
  it('maps a custody screening with consent given to ld.screening.completed and consent.recorded', () => {
    const { events } = expectEvents(mapLdScreening(fixture('screening-custody-consent-given.json'), context()));
    const consent = {
      id: 'LD-CRO-2026-004512-consent',
      status: 'active',
      dateTime: '2026-11-03T03:20:00Z',
      purposes: [
        'Inform the pre-sentence report and supervision',
        'Assess suitability for a mental health treatment requirement',
      ],
      actors: [
        { code: 'N07', name: 'London Probation Service' },
        { code: 'RV5', name: 'South London and Maudsley NHS Foundation Trust' },
      ],
      period: { start: '2026-11-03T03:20:00Z', end: '2027-11-03' },
    };
    const person = {
      identifiers: {
        nhsNumber: '9990000123',
        nhsNumberVerified: true,
        pncId: '2019/0046512V',
        croNumber: '204117/19P',
      },
      name: { family: 'Marsh', given: ['Jordan', 'Lee'] },
      birthDate: '1991-03-14',
      gender: 'male',
      address: { line: ['14 Tamworth Road', 'Croydon'], postalCode: 'CR0 1XR', use: 'home' },
    };
    expect(events).toEqual([
      {
        type: 'ld.screening.completed',
        envelope: {
          eventId: testId(1),
          occurredAt: '2026-11-03T03:25:00Z',
          sender: 'croydon-ld',
          senderOrganization: LD_SERVICE,
        },
        person,
        screening: {
          id: 'LD-CRO-2026-004512',
          setting: 'custody',
          locationName: 'Croydon Custody Suite',
          start: '2026-11-03T02:40:00Z',
          end: '2026-11-03T03:25:00Z',
          practitioner: {
            id: 'LD0457',
            name: { family: 'Okoro', given: ['Hannah'] },
            role: 'Liaison and Diversion Practitioner',
          },
          service: LD_SERVICE,
        },
        flags: [
          { kind: 'mental-health', identified: true },
          { kind: 'substance-misuse', identified: true },
          { kind: 'learning-disability', identified: false },
          { kind: 'neurodevelopmental', identified: false },
        ],
        consent,
      },
      {
        type: 'consent.recorded',
        envelope: {
          eventId: testId(2),
          occurredAt: '2026-11-03T03:20:00Z',
          sender: 'croydon-ld',
          senderOrganization: LD_SERVICE,
          correlationId: testId(1),
        },
        person,
        consent,
      },
    ]);
  });

  it('keeps the practitioner notes in the L&D system', () => {
    for (const name of ['screening-custody-consent-given.json', 'screening-court-consent-refused.json']) {
      const { events } = expectEvents(mapLdScreening(fixture(name), context()));
      const text = JSON.stringify(events);
      expect(text).not.toContain('low mood');
      expect(text).not.toContain('ADHD');
    }
  });

  it('maps a court screening with consent refused: status rejected, no period, no NHS number', () => {
    const { events } = expectEvents(mapLdScreening(fixture('screening-court-consent-refused.json'), context()));
    expect(events[0]).toMatchObject({
      person: { identifiers: { pncId: '2023/0009876J' }, name: { family: 'Hassan', given: ['Amira'] } },
      screening: { setting: 'court', start: '2026-12-01T09:05:00Z' },
      flags: [
        { kind: 'mental-health', identified: false },
        { kind: 'substance-misuse', identified: false },
        { kind: 'learning-disability', identified: false },
        { kind: 'neurodevelopmental', identified: true },
      ],
    });
    expect(events[1]).toEqual(
      expect.objectContaining({ type: 'consent.recorded', consent: expect.objectContaining({ status: 'rejected' }) }),
    );
    expect(events[1]).not.toHaveProperty('consent.period');
    expect(events[0].person.identifiers).not.toHaveProperty('nhsNumber');
  });

  it('takes the service from the sender when the form does not name it', () => {
    const json = fixture('screening-custody-no-needs.json');
    removeAt(json, 'service');
    const { events } = expectEvents(
      mapLdScreening(json, { ...context(), senderOrganization: { code: 'RV5', name: 'Croydon L&D' } }),
    );
    expect(events[0]).toMatchObject({ screening: { service: { code: 'RV5', name: 'Croydon L&D' } } });
  });

  it('refuses a form that is not an object', () => {
    expectInvalidAt(mapLdScreening([], context()), '$this');
    expectInvalidAt(mapLdScreening('screening', context()), '$this');
  });

  it('names a missing need flag and a missing consent decision by their paths', () => {
    const json = fixture('screening-custody-no-needs.json');
    removeAt(json, 'needs.learningDisability');
    removeAt(json, 'consent.decision');
    const result = mapLdScreening(json, context());
    expectInvalidAt(result, 'needs.learningDisability');
    expectInvalidAt(result, 'consent.decision');
  });

  it('names an invalid NHS number, an unknown setting and a completion before the screening', () => {
    const json = fixture('screening-custody-consent-given.json');
    setAt(json, 'person.nhsNumber', '999 000 0123');
    setAt(json, 'setting', 'hospital');
    setAt(json, 'completedAt', '2026-11-03T01:00:00Z');
    const result = mapLdScreening(json, context());
    const [nhs] = expectInvalidAt(result, 'person.nhsNumber');
    expect(nhs.diagnostics).toContain('[nhs-number-format]');
    expectInvalidAt(result, 'setting');
    expectInvalidAt(result, 'completedAt');
  });

  it('never throws on arbitrary JSON or on a fixture with any one value replaced', () => {
    fc.assert(fc.property(ANYTHING, (json) => expectWellFormedResult(mapLdScreening(json, context()))));
    fc.assert(
      fc.property(mutatedFixture(fixture('screening-custody-consent-given.json')), (json) =>
        expectWellFormedResult(mapLdScreening(json, context())),
      ),
      { numRuns: 300 },
    );
  });
});
