import { randomUUID } from 'node:crypto';
import { equalityExtensions, LANGUAGE_SYSTEM, patientOf } from '@cstr/fhir';
import type { Patient } from 'fhir/r4';
import { fixtureEvent } from '../../test/ingress-test-kit';
import { equalityFactsOf } from './equality-facts';
import { reportFactOf } from './report-facts';

const patient = (extension: Patient['extension'], communication?: Patient['communication']): Patient => ({
  resourceType: 'Patient',
  extension,
  ...(communication ? { communication } : {}),
});

describe('equality facts of a Patient', () => {
  it('keeps the reporting categories only: the ethnic group, whether a disability was declared', () => {
    const facts = equalityFactsOf(
      patient(
        equalityExtensions({
          ethnicCategory: 'K',
          genderIdentity: 'transgender-male',
          disabilities: ['sight', 'none'],
          interpreterRequired: true,
        }),
      ),
    );
    expect(facts).toEqual({
      ethnicGroup: 'asian',
      genderIdentity: 'transgender-male',
      disability: 'disabled',
      communicationNeeds: 'interpreter',
    });
  });

  it.each([
    ['A', 'white'],
    ['G', 'mixed'],
    ['P', 'black'],
    ['R', 'other'],
    ['Z', 'not-stated'],
    ['99', null],
  ])('puts ethnic category %s in the group %s', (code, group) => {
    expect(equalityFactsOf(patient(equalityExtensions({ ethnicCategory: code }))).ethnicGroup).toBe(group);
  });

  it('reads a declared no disability, a refusal to say, another language and no need', () => {
    expect(equalityFactsOf(patient(equalityExtensions({ disabilities: ['none'] }))).disability).toBe('not-disabled');
    expect(equalityFactsOf(patient(equalityExtensions({ disabilities: ['not-stated'] }))).disability).toBe(
      'not-stated',
    );
    const polish = [{ language: { coding: [{ system: LANGUAGE_SYSTEM, code: 'pl' }] } }];
    expect(equalityFactsOf(patient([], polish)).communicationNeeds).toBe('other-language');
    const english = [{ language: { coding: [{ system: LANGUAGE_SYSTEM, code: 'en-GB' }] } }];
    expect(equalityFactsOf(patient([], english)).communicationNeeds).toBe('none');
    expect(equalityFactsOf(patient(equalityExtensions({ interpreterRequired: false }))).communicationNeeds).toBe(
      'none',
    );
  });

  it('is null where nothing was recorded, and ignores odd shapes', () => {
    const nothing = { ethnicGroup: null, genderIdentity: null, disability: null, communicationNeeds: null };
    expect(equalityFactsOf(patient(undefined))).toEqual(nothing);
    expect(
      equalityFactsOf({ resourceType: 'Patient', extension: 'x', communication: 3 } as unknown as Patient),
    ).toEqual(nothing);
  });
});

describe('the reporting fact of an L&D screening', () => {
  it('is kept for its equality characteristics, without the detailed category', () => {
    const event = fixtureEvent('ld.screening.completed', (input) => {
      input.person.equality = { ethnicCategory: 'N', disabilities: ['hearing'], language: 'so' };
    });
    const fact = reportFactOf({
      eventId: event.eventId,
      eventType: 'ld.screening.completed',
      sender: { kind: 'ld' },
      personId: randomUUID(),
      bundle: event.bundle,
      patient: patientOf(event.bundle) as Patient,
      now: new Date('2026-12-01T00:00:00Z'),
    });
    expect(fact).toMatchObject({
      eventType: 'ld.screening.completed',
      ethnicGroup: 'black',
      disability: 'disabled',
      communicationNeeds: 'other-language',
      genderIdentity: null,
      outcome: null,
    });
    expect(JSON.stringify(fact)).not.toMatch(/hearing|"N"|African/);
  });
});
