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
import { mapHearingListed, mapHearingResulted } from './common-platform-hearing.mapper';

const COURT = { code: 'B01CY00', name: "Croydon Magistrates' Court" };
const context = () => testContext('croydon-mc', { ...COURT, codeKind: 'court' }, '2026-12-01T10:05:00Z');
const fixture = (name: string) => partnerFixture('common-platform', name);

const JORDAN = {
  identifiers: {
    commonPlatformDefendantId: '6f1c2a8e-3b4d-4e5f-9a0b-1c2d3e4f5a6b',
    pncId: '2019/0046512V',
    croNumber: '204117/19P',
  },
  name: { family: 'Marsh', given: ['Jordan', 'Lee'], prefix: ['Mr'] },
  birthDate: '1991-03-14',
  gender: 'male',
  address: { line: ['14 Tamworth Road', 'Croydon'], postalCode: 'CR0 1XR', use: 'home' },
};
const SHANNON = {
  identifiers: {
    commonPlatformDefendantId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
    pncId: '2021/0113578Y',
    croNumber: '512093/21J',
  },
  name: { family: 'Price', given: ['Shannon'], prefix: ['Ms'] },
  birthDate: '1987-09-02',
  gender: 'female',
  address: {
    line: ['Flat 6, Addiscombe Court', 'Lower Addiscombe Road', 'Croydon'],
    postalCode: 'CR0 6AA',
    use: 'home',
  },
};
const PUBLIC_ORDER = {
  code: 'PL96001',
  title: 'Use threatening / abusive / insulting words / behaviour with intent to cause fear / provocation of violence',
  wording: 'On 02/11/2026 at West Croydon bus station used towards another threatening words and behaviour.',
};
const KNIFE = {
  code: 'CJ88116',
  title: 'Possess knife blade / sharp pointed article in a public place',
  wording: 'On 02/11/2026 at West Croydon bus station had with him in a public place an article which had a blade.',
};

describe('mapHearingListed (Common Platform)', () => {
  it('gives one court.hearing.listed per defendant of a multi-defendant hearing', () => {
    const { events } = expectEvents(mapHearingListed(fixture('hearing-listed-multi-defendant.json'), context()));
    const hearing = {
      id: '3f2b7c1e-9d4a-4b8e-a6c5-2e1f0d9c8b7a',
      court: COURT,
      room: 'Courtroom 03',
      start: '2026-12-01T10:00:00.000Z',
      end: '2026-12-01T10:20:00.000Z',
      hearingType: 'First hearing',
      caseReference: '01ZD1234526',
    };
    expect(events).toEqual([
      {
        type: 'court.hearing.listed',
        envelope: {
          eventId: testId(1),
          occurredAt: '2026-12-01T10:05:00Z',
          sender: 'croydon-mc',
          senderOrganization: { ...COURT, codeKind: 'court' },
        },
        person: JORDAN,
        hearing: { ...hearing, offences: [PUBLIC_ORDER, KNIFE] },
      },
      {
        type: 'court.hearing.listed',
        envelope: {
          eventId: testId(2),
          occurredAt: '2026-12-01T10:05:00Z',
          sender: 'croydon-mc',
          senderOrganization: { ...COURT, codeKind: 'court' },
        },
        person: SHANNON,
        hearing: { ...hearing, offences: [PUBLIC_ORDER] },
      },
    ]);
  });

  it('skips an organisation defendant and lists the people', () => {
    const json = fixture('hearing-listed-multi-defendant.json');
    removeAt(json, 'hearing.prosecutionCases[0].defendants[1].personDefendant');
    setAt(json, 'hearing.prosecutionCases[0].defendants[1].legalEntityDefendant', {
      organisation: { name: 'Addiscombe Scaffolding Ltd' },
    });
    const { events } = expectEvents(mapHearingListed(json, context()));
    expect(events.map((e) => e.person.name.family)).toEqual(['Marsh']);
  });

  it('refuses a payload that is not an object', () => {
    expectInvalidAt(mapHearingListed('<hearing/>', context()), '$this');
    expectInvalidAt(mapHearingListed([fixture('hearing-listed-multi-defendant.json')], context()), '$this');
  });

  it('names a missing required field by its path', () => {
    const json = fixture('hearing-listed-multi-defendant.json');
    removeAt(json, 'hearing.prosecutionCases[0].defendants[1].personDefendant.personDetails.lastName');
    const [issue] = expectInvalidAt(
      mapHearingListed(json, context()),
      'hearing.prosecutionCases[0].defendants[1].personDefendant.personDetails.lastName',
    );
    expect(issue.code).toBe('required');
  });

  it('names an invalid PNC ID (wrong check letter) by its path, with the identity code', () => {
    const json = fixture('hearing-listed-multi-defendant.json');
    setAt(json, 'hearing.prosecutionCases[0].defendants[1].pncId', '2021/0113578Z');
    const [issue] = expectInvalidAt(
      mapHearingListed(json, context()),
      'hearing.prosecutionCases[0].defendants[1].pncId',
    );
    expect(issue.diagnostics).toContain('[pnc-id-check-character]');
  });

  it('refuses an impossible date of birth and a sitting day without a time zone, reporting both', () => {
    const json = fixture('hearing-listed-multi-defendant.json');
    setAt(json, 'hearing.prosecutionCases[0].defendants[0].personDefendant.personDetails.dateOfBirth', '1991-02-30');
    setAt(json, 'hearing.hearingDays[0].sittingDay', '2026-12-01T10:00:00');
    const result = mapHearingListed(json, context());
    expectInvalidAt(result, 'hearing.prosecutionCases[0].defendants[0].personDefendant.personDetails.dateOfBirth');
    expectInvalidAt(result, 'hearing.hearingDays[0].sittingDay');
  });

  it('refuses a listed duration longer than a day, whose end no date could hold', () => {
    const json = fixture('hearing-listed-multi-defendant.json');
    setAt(json, 'hearing.hearingDays[0].listedDurationMinutes', 143970064681);
    expectInvalidAt(mapHearingListed(json, context()), 'hearing.hearingDays[0].listedDurationMinutes');
  });

  it('refuses a defendant id that is not a UUID', () => {
    const json = fixture('hearing-listed-multi-defendant.json');
    setAt(json, 'hearing.prosecutionCases[0].defendants[0].id', 'DEF-0001');
    expectInvalidAt(mapHearingListed(json, context()), 'hearing.prosecutionCases[0].defendants[0].id');
  });

  it('never throws on arbitrary JSON or on a fixture with any one value replaced', () => {
    fc.assert(fc.property(ANYTHING, (json) => expectWellFormedResult(mapHearingListed(json, context()))));
    fc.assert(
      fc.property(mutatedFixture(fixture('hearing-listed-multi-defendant.json')), (json) =>
        expectWellFormedResult(mapHearingListed(json, context())),
      ),
      { numRuns: 300 },
    );
  });
});

describe('mapHearingResulted (Common Platform)', () => {
  it('reports an adjournment for a pre-sentence report with the next hearing, and a remand in custody', () => {
    const { events } = expectEvents(
      mapHearingResulted(fixture('hearing-resulted-adjourned-for-report.json'), context()),
    );
    expect(events.map((e) => e.type)).toEqual(['court.hearing.resulted', 'court.hearing.resulted']);
    const [jordan, shannon] = events;
    expect(jordan).toMatchObject({
      person: JORDAN,
      outcome: 'adjourned-for-report',
      reportRequested: true,
      nextHearing: { start: '2026-12-15T10:00:00Z', court: COURT },
    });
    expect(shannon).toMatchObject({ person: SHANNON, outcome: 'remanded-in-custody' });
    expect(shannon).not.toHaveProperty('reportRequested');
    expect(shannon).not.toHaveProperty('nextHearing');
  });

  it('gives court.sentence.imposed for a community order with a combined MHTR and ATR', () => {
    const { events } = expectEvents(
      mapHearingResulted(fixture('hearing-resulted-community-order-mhtr-atr.json'), context()),
    );
    expect(events.map((e) => e.type)).toEqual(['court.hearing.resulted', 'court.sentence.imposed']);
    expect(events[0]).toMatchObject({
      outcome: 'sentenced',
      hearing: { id: '8c7d6e5f-4a3b-4c2d-9e1f-0a9b8c7d6e5f', hearingType: 'Sentence', offences: [PUBLIC_ORDER, KNIFE] },
    });
    expect(events[1]).toEqual({
      type: 'court.sentence.imposed',
      envelope: {
        eventId: testId(2),
        occurredAt: '2026-12-01T10:05:00Z',
        sender: 'croydon-mc',
        senderOrganization: { ...COURT, codeKind: 'court' },
        correlationId: testId(1),
      },
      person: JORDAN,
      sentence: {
        id: '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
        orderType: 'community-order',
        date: '2026-12-15',
        court: COURT,
        lengthMonths: 12,
        requirements: [
          {
            id: '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e',
            type: 'mhtr-primary',
            lengthMonths: 9,
            startWithinWorkingDays: 10,
          },
          { id: '3c4d5e6f-7a8b-4c9d-8e0f-2a3b4c5d6e7f', type: 'atr', lengthMonths: 6 },
        ],
      },
    });
  });

  it('gives court.sentence.imposed for a suspended sentence order with a DRR', () => {
    const { events } = expectEvents(
      mapHearingResulted(fixture('hearing-resulted-suspended-sentence-drr.json'), context()),
    );
    expect(events[1]).toMatchObject({
      type: 'court.sentence.imposed',
      person: { identifiers: SHANNON.identifiers },
      sentence: {
        id: '7a8b9c0d-1e2f-4a3b-8c4d-6e7f8a9b0c1d',
        orderType: 'suspended-sentence-order',
        date: '2027-01-12',
        court: { code: 'B01CQ00', name: 'Croydon Crown Court' },
        lengthMonths: 18,
        custodialTermMonths: 4.6,
        requirements: [{ id: '8b9c0d1e-2f3a-4b4c-9d5e-7f8a9b0c1d2e', type: 'drr', lengthMonths: 6 }],
      },
    });
  });

  it('reads MHTR under a doctor or in hospital as secondary care', () => {
    const json = fixture('hearing-resulted-community-order-mhtr-atr.json');
    const mhtr = 'hearing.prosecutionCases[0].defendants[0].offences[0].judicialResults[1]';
    setAt(
      json,
      `${mhtr}.resultText`,
      'Mental health treatment requirement\nPeriod of treatment: 12 months\nTreatment as a resident patient in a hospital',
    );
    setAt(json, `${mhtr}.judicialResultPrompts`, []);
    const { events } = expectEvents(mapHearingResulted(json, context()));
    expect(events[1]).toMatchObject({
      sentence: { requirements: [{ type: 'mhtr-secondary', lengthMonths: 12 }, { type: 'atr' }] },
    });
  });

  it('sends nothing for a defendant whose results say nothing it can read, and warns the sender', () => {
    const json = fixture('hearing-resulted-adjourned-for-report.json');
    setAt(json, 'hearing.prosecutionCases[0].defendants[1].offences[0].judicialResults', [
      { judicialResultTypeId: 'c2f1b7a0-9d1e-4b3c-8a5d-6e7f8a9b0c1d', label: 'Collection order' },
    ]);
    removeAt(json, 'hearing.prosecutionCases[0].defendants[1].offences[0].plea');
    const result = expectEvents(mapHearingResulted(json, context()));
    expect(result.events.map((e) => e.person.name.family)).toEqual(['Marsh']);
    expect(result.warnings?.issue).toEqual([
      expect.objectContaining({
        severity: 'warning',
        code: 'not-supported',
        expression: ['hearing.prosecutionCases[0].defendants[1]'],
      }),
    ]);
  });

  it('refuses a requirement without a length, naming the judicial result', () => {
    const json = fixture('hearing-resulted-community-order-mhtr-atr.json');
    const atr = 'hearing.prosecutionCases[0].defendants[0].offences[0].judicialResults[2]';
    setAt(json, `${atr}.resultText`, 'Alcohol treatment requirement');
    setAt(json, `${atr}.judicialResultPrompts`, []);
    expectInvalidAt(
      mapHearingResulted(json, context()),
      'hearing.prosecutionCases[0].defendants[0].offences[0].judicialResults[2]',
    );
  });

  it('refuses requirements imposed without an order to carry them', () => {
    const json = fixture('hearing-resulted-community-order-mhtr-atr.json');
    const offences = 'hearing.prosecutionCases[0].defendants[0].offences';
    setAt(
      json,
      `${offences}[0].judicialResults`,
      (valueAt(json, `${offences}[0].judicialResults`) as unknown[]).slice(1),
    );
    setAt(json, `${offences}[1].judicialResults`, []);
    expectInvalidAt(mapHearingResulted(json, context()), 'hearing.prosecutionCases[0].defendants[0].offences');
  });

  it('refuses judicial results that are not an array, and a bad plea shape', () => {
    const json = fixture('hearing-resulted-adjourned-for-report.json');
    setAt(json, 'hearing.prosecutionCases[0].defendants[0].offences[1].judicialResults', { label: 'Adjourned' });
    setAt(json, 'hearing.prosecutionCases[0].defendants[1].offences[0].plea', 'NOT_GUILTY');
    const result = mapHearingResulted(json, context());
    expectInvalidAt(result, 'hearing.prosecutionCases[0].defendants[0].offences[1].judicialResults');
    expectInvalidAt(result, 'hearing.prosecutionCases[0].defendants[1].offences[0].plea');
  });

  it('never throws on arbitrary JSON or on a fixture with any one value replaced', () => {
    fc.assert(fc.property(fc.jsonValue(), (json) => expectWellFormedResult(mapHearingResulted(json, context()))));
    for (const name of [
      'hearing-resulted-community-order-mhtr-atr.json',
      'hearing-resulted-adjourned-for-report.json',
    ]) {
      fc.assert(
        fc.property(mutatedFixture(fixture(name)), (json) =>
          expectWellFormedResult(mapHearingResulted(json, context())),
        ),
        { numRuns: 300 },
      );
    }
  });
});

describe('court reviews (Common Platform hearing type "review")', () => {
  it('maps a listed review hearing to court.review.listed of the DRR, not court.hearing.listed', () => {
    const { events } = expectEvents(mapHearingListed(fixture('hearing-listed-drr-review.json'), context()));
    expect(events.map((event) => event.type)).toEqual(['court.review.listed']);
    expect(events[0]).toMatchObject({
      review: {
        hearing: {
          id: 'c2d4f6a8-1b3d-4e5f-8a7b-9c0d1e2f3a4b',
          court: { code: 'B01CY00' },
          start: '2027-02-09T10:00:00.000Z',
          hearingType: 'Review of drug rehabilitation requirement',
        },
        requirement: { type: 'drr' },
      },
    });
  });

  it('maps a resulted review to court.review.resulted with its outcome and the next review', () => {
    const { events } = expectEvents(mapHearingResulted(fixture('hearing-resulted-drr-review.json'), context()));
    expect(events.map((event) => event.type)).toEqual(['court.review.resulted']);
    expect(events[0]).toMatchObject({
      review: {
        requirement: { type: 'drr' },
        outcome: 'progress-satisfactory',
        nextReview: { start: '2027-03-09T10:00:00Z', court: { code: 'B01CY00' } },
      },
    });
  });

  it('reads a revocation, and an ATR review from its hearing type', () => {
    const json = fixture('hearing-resulted-drr-review.json');
    setAt(json, 'hearing.type.description', 'Alcohol treatment requirement review');
    setAt(
      json,
      'hearing.prosecutionCases[0].defendants[0].offences[0].judicialResults[0].label',
      'Order revoked on review',
    );
    const { events } = expectEvents(mapHearingResulted(json, context()));
    expect(events[0]).toMatchObject({ review: { requirement: { type: 'atr' }, outcome: 'order-revoked' } });
  });
});
