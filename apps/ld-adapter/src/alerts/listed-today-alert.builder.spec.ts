import { buildEventBundle } from '@cstr/fhir';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';
import { buildListedTodayAlert } from './listed-today-alert.builder';

const COURTS = [{ code: 'B01CY00', name: "Croydon Magistrates' Court" }];
const EVENT_ID = '0b6f3c2e-1d4a-4f5b-8c9d-0e1f2a3b4c5d';

describe('buildListedTodayAlert', () => {
  it('makes the alert of a delivered court.hearing.listed: the event id as reference, the court, the date and the identifiers', () => {
    const bundle = buildEventBundle(loadEventFixture('court.hearing.listed'));
    const built = buildListedTodayAlert('court.hearing.listed', bundle, EVENT_ID, COURTS);
    expect(built).toEqual({
      ok: true,
      alert: {
        externalReference: EVENT_ID,
        listedOn: '2026-05-12',
        court: { code: 'B01CY00', name: "Croydon Magistrates' Court" },
        hearingStart: '2026-05-12T10:00:00+01:00',
        person: {
          pncId: '2004/0046583U',
          croNumber: '051932/04Y',
          firstName: 'Jordan',
          lastName: 'Reid',
          dateOfBirth: '1991-03-14',
        },
        reason: "Listed at Croydon Magistrates' Court.",
      },
    });
  });

  it('finds the court of a candidate Flag among the covered courts, by the name its text starts with', () => {
    const bundle = buildEventBundle(loadEventFixture('pathway.candidate.identified'));
    const built = buildListedTodayAlert('pathway.candidate.identified', bundle, EVENT_ID, COURTS);
    if (!built.ok) throw new Error(built.reason);
    expect(built.alert).toMatchObject({
      externalReference: EVENT_ID,
      listedOn: '2026-05-12',
      court: COURTS[0],
      person: { nhsNumber: '9434765919' },
    });
    expect(built.alert.reason).toMatch(/^Listed at Croydon/);
  });

  it('refuses a candidate at a court the service does not cover', () => {
    const bundle = buildEventBundle(loadEventFixture('pathway.candidate.identified'));
    expect(
      buildListedTodayAlert('pathway.candidate.identified', bundle, EVENT_ID, [
        { code: 'B01CG00', name: 'Camberwell Green Magistrates Court' },
      ]),
    ).toMatchObject({ ok: false, code: 'unknown-court' });
  });

  it('refuses a Bundle without a person identifier, or anything that is not a Bundle', () => {
    const bundle = buildEventBundle(loadEventFixture('court.hearing.listed'));
    const patient = bundle.entry?.find((entry) => entry.resource?.resourceType === 'Patient')?.resource as {
      identifier?: unknown;
    };
    delete patient.identifier;
    expect(buildListedTodayAlert('court.hearing.listed', bundle, EVENT_ID, COURTS)).toMatchObject({
      ok: false,
      code: 'no-identifier',
    });
    expect(buildListedTodayAlert('court.hearing.listed', 'text', EVENT_ID, COURTS)).toMatchObject({
      ok: false,
      code: 'not-a-bundle',
    });
  });
});
