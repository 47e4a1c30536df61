import { expectEvents, partnerFixture, setAt, testContext } from '@cstr/fixtures/fhir/partner/partner-fixtures';
import type { LdScreeningCompletedInput } from '../events/event-inputs';
import { equalityExtensions } from '../builders/equality.builder';
import { mapLdScreening } from './ld-screening.mapper';
import { mapProviderResource } from './provider-fhir.mapper';

describe('equality monitoring from the L&D screening form', () => {
  const context = () =>
    testContext('croydon-ld', { code: 'RV5', name: 'Croydon Liaison and Diversion Service' }, '2026-11-03T03:26:00Z');
  const screening = (equality: unknown) => {
    const form = partnerFixture('ld', 'screening-custody-consent-given.json');
    setAt(form, 'person.equality', equality);
    return mapLdScreening(form, context());
  };

  it('carries what the practitioner recorded on the person of both events', () => {
    const { events } = expectEvents(
      screening({
        ethnicCategory: 'H',
        genderIdentity: 'non-binary',
        disability: ['learning', 'hearing'],
        interpreterRequired: true,
        language: 'pa',
      }),
    );
    const expected = {
      ethnicCategory: 'H',
      genderIdentity: 'non-binary',
      disabilities: ['learning', 'hearing'],
      interpreterRequired: true,
      language: 'pa',
    };
    expect(events.map((event) => event.person.equality)).toEqual([expected, expected]);
  });

  it('leaves out an unknown code with a warning, and never refuses the screening for it', () => {
    const result = screening({ ethnicCategory: 'Q', disability: ['wings', 'sight'], language: 'Not a tag' });
    const { events, warnings } = expectEvents(result);
    expect((events[0] as LdScreeningCompletedInput).person.equality).toEqual({ disabilities: ['sight'] });
    expect(warnings?.issue.map((issue) => issue.expression?.[0])).toEqual([
      'person.equality.ethnicCategory',
      'person.equality.disability[0]',
      'person.equality.language',
    ]);
  });

  it('carries nothing when nothing was recorded', () => {
    const { events } = expectEvents(
      mapLdScreening(partnerFixture('ld', 'screening-custody-consent-given.json'), context()),
    );
    expect(events[0].person.equality).toBeUndefined();
  });
});

describe('equality monitoring from the provider FHIR Patient', () => {
  it('reads the UK Core and R4 extensions and the preferred language of the Patient', () => {
    const patient = partnerFixture('provider', 'patient.json') as Record<string, unknown>;
    patient.extension = equalityExtensions({ ethnicCategory: 'C', disabilities: ['none'], interpreterRequired: false });
    patient.communication = [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'ro' }] } }];
    const result = mapProviderResource(
      partnerFixture('provider', 'appointment-fulfilled-session.json'),
      patient,
      testContext('slam-mhtr', { code: 'RV5', name: 'SLaM' }, '2027-02-03T10:40:00Z'),
    );
    const { events } = expectEvents(result);
    expect(events[0].person.equality).toEqual({
      ethnicCategory: 'C',
      disabilities: ['none'],
      interpreterRequired: false,
      language: 'ro',
    });
  });
});
