import fc from 'fast-check';
import {
  ANYTHING,
  expectEvents,
  removeAt,
  setAt,
  valueAt,
  expectInvalidAt,
  expectWellFormedResult,
  mutatedFixture,
  partnerFixture,
  testContext,
  testId,
} from '@cstr/fixtures/fhir/partner/partner-fixtures';
import { mapLibraDailyList } from './libra-case.mapper';

const COURT = { code: 'B01CY00', name: "Croydon Magistrates' Court" };
const context = () => testContext('croydon-mc', { ...COURT, codeKind: 'court' }, '2026-11-30T17:50:00Z');
const fixture = (name: string) => partnerFixture('libra', name);

describe('mapLibraDailyList', () => {
  it('gives one court.hearing.listed per case, with room and local session time as an instant', () => {
    const { events } = expectEvents(mapLibraDailyList(fixture('daily-list-croydon.json'), context()));
    expect(events).toHaveLength(3);
    expect(events[0]).toEqual({
      type: 'court.hearing.listed',
      envelope: {
        eventId: testId(1),
        occurredAt: '2026-11-30T17:50:00Z',
        sender: 'croydon-mc',
        senderOrganization: { ...COURT, codeKind: 'court' },
      },
      person: {
        identifiers: { pncId: '2015/0722041E', croNumber: '088412/15X' },
        name: { family: 'DOYLE', given: ['Kieran'], prefix: ['Mr'] },
        birthDate: '1979-12-20',
        gender: 'male',
        address: { line: ['22 Brigstock Road', 'Thornton Heath'], postalCode: 'CR7 7JA', use: 'home' },
      },
      hearing: {
        id: 'B01CY00-2026-12-01-2601774213',
        court: COURT,
        room: '01',
        start: '2026-12-01T09:30:00Z',
        caseReference: '2601774213',
        offences: [
          {
            code: 'TH68010',
            title: 'Theft from a shop',
            wording:
              'On 21/11/2026 at Thornton Heath stole food items to the value of £38.50 belonging to a supermarket.',
          },
          {
            code: 'MD71230',
            title: 'Possess a controlled drug of Class B - Cannabis / Cannabis Resin',
            wording:
              'On 21/11/2026 at Thornton Heath had in your possession a quantity of cannabis, a controlled drug of Class B.',
          },
        ],
      },
    });
    expect(events[1].person).toEqual({
      identifiers: { pncId: '2023/0009876J', croNumber: '330871/23R' },
      name: { family: 'HASSAN', given: ['Amira'], prefix: ['Ms'] },
      birthDate: '1995-06-11',
      gender: 'female',
    });
    expect(events[2]).toMatchObject({
      person: { name: { family: 'MARSH', given: ['Jordan', 'Lee'] } },
      hearing: { room: '04', start: '2026-12-01T14:00:00Z' },
    });
  });

  it('reads a `SURNAME, Forenames` name, a short PNC ID, and a British Summer Time sitting', () => {
    const { events } = expectEvents(
      mapLibraDailyList(fixture('daily-list-single-case-british-summer-time.json'), context()),
    );
    expect(events[0].person).toEqual({
      identifiers: { pncId: '2023/0009876J' },
      name: { family: 'HASSAN', given: ['Amira'] },
      birthDate: '1995-06-11',
      gender: 'female',
    });
    expect(events[0]).toMatchObject({ hearing: { start: '2027-06-03T10:00:00+01:00', room: '02' } });
  });

  it('orders offences by their sequence number', () => {
    const json = fixture('daily-list-croydon.json');
    (valueAt(json, 'sessions[0].cases[0].offences') as unknown[]).reverse();
    const { events } = expectEvents(mapLibraDailyList(json, context()));
    expect(events[0]).toMatchObject({ hearing: { offences: [{ code: 'TH68010' }, { code: 'MD71230' }] } });
  });

  it('refuses a list that is not an object', () => {
    expectInvalidAt(mapLibraDailyList(null, context()), '$this');
    expectInvalidAt(mapLibraDailyList('B01CY 01/12/2026', context()), '$this');
  });

  it('names a missing date of birth by its path', () => {
    const json = fixture('daily-list-croydon.json');
    removeAt(json, 'sessions[1].cases[0].def_dob');
    const [issue] = expectInvalidAt(mapLibraDailyList(json, context()), 'sessions[1].cases[0].def_dob');
    expect(issue.code).toBe('required');
  });

  it('refuses an ISO date where Libra writes dd/MM/yyyy, and an impossible one', () => {
    const json = fixture('daily-list-croydon.json');
    setAt(json, 'sessions[0].cases[0].def_dob', '1979-12-20');
    setAt(json, 'sessions[0].cases[1].def_dob', '31/06/1995');
    const result = mapLibraDailyList(json, context());
    expectInvalidAt(result, 'sessions[0].cases[0].def_dob');
    expectInvalidAt(result, 'sessions[0].cases[1].def_dob');
  });

  it('names a CRO number with a wrong check letter, and a session time that is not hh:mm', () => {
    const json = fixture('daily-list-croydon.json');
    setAt(json, 'sessions[0].cases[1].cro_number', '330871/23S');
    setAt(json, 'sessions[1].session_start', '2pm');
    const result = mapLibraDailyList(json, context());
    const [cro] = expectInvalidAt(result, 'sessions[0].cases[1].cro_number');
    expect(cro.diagnostics).toContain('[cro-number-check-character]');
    expectInvalidAt(result, 'sessions[1].session_start');
  });

  it('never throws on arbitrary JSON or on a fixture with any one value replaced', () => {
    fc.assert(fc.property(ANYTHING, (json) => expectWellFormedResult(mapLibraDailyList(json, context()))));
    fc.assert(
      fc.property(mutatedFixture(fixture('daily-list-croydon.json')), (json) =>
        expectWellFormedResult(mapLibraDailyList(json, context())),
      ),
      { numRuns: 300 },
    );
  });
});
