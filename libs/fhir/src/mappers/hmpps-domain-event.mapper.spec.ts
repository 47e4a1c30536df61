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
import { isHmppsEventOfInterest, mapHmppsDomainEvent } from './hmpps-domain-event.mapper';

const LONDON = { code: 'N07', name: 'London Probation Service' };
const context = () => testContext('nps-london', LONDON, '2026-12-16T14:33:00Z');
const event = (name: string) => partnerFixture('hmpps', `${name}.event.json`);
const detail = (name: string) => partnerFixture('hmpps', `${name}.detail.json`);
const map = (name: string) => mapHmppsDomainEvent(event(name), detail(name), context());

const JORDAN = {
  identifiers: { nhsNumber: '9990000123', crn: 'X412563', pncId: '2019/0046512V', croNumber: '204117/19P' },
  name: { family: 'Marsh', given: ['Jordan', 'Lee'] },
  birthDate: '1991-03-14',
  gender: 'male',
};
const SLAM = { code: 'RV5', name: 'South London and Maudsley NHS Foundation Trust' };
const NOWAK = { id: 'N07T12A', name: { family: 'Nowak', given: ['Tomasz'] }, role: 'Probation Officer' };

describe('mapHmppsDomainEvent', () => {
  it('maps a high RoSH registration to risk.changed, leaving the registration notes behind', () => {
    const { events } = expectEvents(map('registration-added-rosh-high'));
    expect(events).toEqual([
      {
        type: 'risk.changed',
        envelope: {
          eventId: testId(1),
          occurredAt: '2026-12-16T14:32:10.123+00:00',
          sender: 'nps-london',
          senderOrganization: LONDON,
        },
        person: JORDAN,
        flags: [
          { kind: 'rosh', code: 'RHRH', display: 'High RoSH', level: 'high', start: '2026-12-16', status: 'active' },
        ],
      },
    ]);
    expect(JSON.stringify(events)).not.toContain('OASys review');
  });

  it('maps a MAPPA registration with its level and category; a string version "1" is accepted', () => {
    const { events } = expectEvents(map('registration-added-mappa'));
    expect(events[0]).toMatchObject({
      type: 'risk.changed',
      person: {
        identifiers: { crn: 'X508214', pncId: '2021/0113578Y' },
        name: { family: 'Price', given: ['Shannon'] },
        birthDate: '1987-09-02',
        gender: 'female',
      },
      flags: [
        {
          kind: 'mappa',
          code: 'MAPP',
          display: 'MAPPA',
          level: 'M2',
          category: 'C3',
          start: '2027-01-20',
          status: 'active',
        },
      ],
    });
  });

  it('maps a PSR request to probation.psr.requested without the interview notes', () => {
    const { events } = expectEvents(map('psr-requested'));
    expect(events[0]).toEqual({
      type: 'probation.psr.requested',
      envelope: {
        eventId: testId(1),
        occurredAt: '2026-12-01T11:20:00Z',
        sender: 'nps-london',
        senderOrganization: LONDON,
      },
      person: JORDAN,
      request: {
        id: '1800456123',
        requestedAt: '2026-12-01T11:20:00Z',
        dueBy: '2026-12-01T16:00:00Z',
        requirementTypes: ['mhtr-primary', 'atr'],
        requester: {
          id: 'N07A123',
          name: { family: 'Adeyemi', given: ['Grace'] },
          role: 'Probation Court Officer',
          email: 'grace.adeyemi@justice.example.gov.uk',
          phone: '020 7946 0311',
        },
        requesterOrganization: { code: 'N07', name: 'London' },
        performer: SLAM,
        hearing: {
          id: '8c7d6e5f-4a3b-4c2d-9e1f-0a9b8c7d6e5f',
          court: { code: 'B01CY00', name: "Croydon Magistrates' Court" },
          start: '2026-12-15T10:00:00Z',
        },
      },
    });
    expect(JSON.stringify(events)).not.toContain('anxiety');
  });

  it('maps an allocation to probation.case.allocated', () => {
    const { events } = expectEvents(map('case-allocated'));
    expect(events[0]).toMatchObject({
      type: 'probation.case.allocated',
      allocation: {
        allocatedOn: '2026-12-16',
        responsibleOfficer: { ...NOWAK, email: 'tomasz.nowak@justice.example.gov.uk', phone: '020 7946 0412' },
        team: { code: 'N07CR1', name: 'Croydon MHTR and Court Team' },
        organization: { code: 'N07', name: 'London' },
      },
    });
  });

  it('maps an enforcement decision to probation.enforcement.decided for the provider', () => {
    const { events } = expectEvents(map('enforcement-decided'));
    expect(events[0]).toMatchObject({
      type: 'probation.enforcement.decided',
      enforcement: {
        decision: 'warning',
        decidedAt: '2027-02-04T15:40:00Z',
        reason: 'Second unacceptable absence from a treatment session.',
        officer: NOWAK,
        recipient: SLAM,
        appointmentIds: ['SLAM-APPT-20270203-0930'],
      },
    });
  });

  it('maps a terminated requirement to probation.requirement.terminated', () => {
    const { events } = expectEvents(map('requirement-terminated'));
    expect(events[0]).toMatchObject({
      type: 'probation.requirement.terminated',
      envelope: { occurredAt: '2027-09-15T12:00:00+01:00' },
      requirement: {
        id: '2500778899',
        type: 'mhtr-primary',
        outcome: 'completed',
        terminatedOn: '2027-09-14',
        organization: { code: 'N07', name: 'London' },
      },
    });
  });

  it('ignores an event type the hub does not follow, and a registration that is neither RoSH nor MAPPA', () => {
    const ignorable = event('address-created-ignorable');
    expect(isHmppsEventOfInterest(ignorable)).toBe(false);
    expect(mapHmppsDomainEvent(ignorable, undefined, context())).toEqual({
      kind: 'ignored',
      reason: "HMPPS event type 'probation-case.address.created' is not one the hub follows.",
    });

    const safeguarding = event('registration-added-rosh-high');
    setAt(safeguarding, 'additionalInformation.registerTypeCode', 'RCCO');
    expect(mapHmppsDomainEvent(safeguarding, undefined, context()).kind).toBe('ignored');
    expect(isHmppsEventOfInterest(event('psr-requested'))).toBe(true);
  });

  it('refuses a message that is not an object, and a followed event without its detail', () => {
    expectInvalidAt(mapHmppsDomainEvent(42, detail('psr-requested'), context()), '$this');
    expectInvalidAt(mapHmppsDomainEvent(event('psr-requested'), undefined, context()), 'detail');
  });

  it('names a missing occurredAt, an unknown version and an invalid CRN by their paths', () => {
    const message = event('case-allocated');
    removeAt(message, 'occurredAt');
    setAt(message, 'version', 2);
    setAt(message, 'personReference.identifiers[0].value', 'X41256');
    const result = mapHmppsDomainEvent(message, detail('case-allocated'), context());
    expectInvalidAt(result, 'occurredAt');
    expectInvalidAt(result, 'version');
    const [crn] = expectInvalidAt(result, 'personReference.identifiers[0].value');
    expect(crn.diagnostics).toContain('[crn-format]');
  });

  it('names an invalid NHS number in the detail, and a detail about another case', () => {
    const nhs = detail('registration-added-rosh-high');
    setAt(nhs, 'person.nhsNumber', '9990000124');
    const [issue] = expectInvalidAt(
      mapHmppsDomainEvent(event('registration-added-rosh-high'), nhs, context()),
      'detail.person.nhsNumber',
    );
    expect(issue.diagnostics).toContain('[nhs-number-check-digit]');

    const other = detail('registration-added-rosh-high');
    setAt(other, 'person.crn', 'X508214');
    const [conflict] = expectInvalidAt(
      mapHmppsDomainEvent(event('registration-added-rosh-high'), other, context()),
      'detail.person.crn',
    );
    expect(conflict.code).toBe('conflict');
  });

  it('names an unknown enforcement decision and an unrecognised termination reason', () => {
    const enforcement = detail('enforcement-decided');
    setAt(enforcement, 'enforcement.decision.code', 'TELLING_OFF');
    expectInvalidAt(
      mapHmppsDomainEvent(event('enforcement-decided'), enforcement, context()),
      'detail.enforcement.decision.code',
    );

    const requirement = detail('requirement-terminated');
    setAt(requirement, 'requirement.terminationReason.description', 'Transferred');
    expectInvalidAt(
      mapHmppsDomainEvent(event('requirement-terminated'), requirement, context()),
      'detail.requirement.terminationReason.description',
    );
  });

  it('never throws on arbitrary JSON or on a fixture with any one value replaced', () => {
    fc.assert(
      fc.property(ANYTHING, ANYTHING, (message, body) =>
        expectWellFormedResult(mapHmppsDomainEvent(message, body, context())),
      ),
    );
    for (const name of [
      'registration-added-mappa',
      'psr-requested',
      'case-allocated',
      'enforcement-decided',
      'requirement-terminated',
    ]) {
      fc.assert(
        fc.property(mutatedFixture(event(name)), (message) =>
          expectWellFormedResult(mapHmppsDomainEvent(message, detail(name), context())),
        ),
        { numRuns: 100 },
      );
      fc.assert(
        fc.property(mutatedFixture(detail(name)), (body) =>
          expectWellFormedResult(mapHmppsDomainEvent(event(name), body, context())),
        ),
        { numRuns: 150 },
      );
    }
  });
});

describe('probation-case.court-review-report.submitted', () => {
  it('maps the written review report to probation.review.reported, with the drug tests it includes', () => {
    const { events } = expectEvents(map('review-report-submitted'));
    expect(events).toEqual([
      expect.objectContaining({
        type: 'probation.review.reported',
        person: expect.objectContaining({ identifiers: { crn: 'X508214', pncId: '2021/0113578Y' } }),
        report: expect.objectContaining({
          id: '3300445566',
          sentAt: '2027-02-05T16:05:00Z',
          reviewDate: '2027-02-09',
          court: { code: 'B01CY00', name: "Croydon Magistrates' Court" },
          requirement: { type: 'drr' },
          officer: NOWAK,
          drugTests: [
            expect.objectContaining({ id: 'SLDA-DT-2027-7781', results: expect.any(Array) }),
            expect.objectContaining({
              id: 'SLDA-DT-2027-7790',
              results: [
                { substance: 'opiates', result: 'positive' },
                { substance: 'cocaine', result: 'negative' },
              ],
              provider: { code: 'NDA', name: 'South London Community Drug and Alcohol Service (DRR and ATR)' },
            }),
          ],
        }),
      }),
    ]);
  });

  it('names an unknown substance and a requirement that is not a treatment requirement', () => {
    const bad = detail('review-report-submitted');
    setAt(bad, 'reviewReport.drugTests[0].results[0].substance', 'glue');
    expectInvalidAt(
      mapHmppsDomainEvent(event('review-report-submitted'), bad, context()),
      'detail.reviewReport.drugTests[0].results[0].substance',
    );
    const unpaid = detail('review-report-submitted');
    setAt(unpaid, 'reviewReport.requirement.mainCategory.description', 'Unpaid Work');
    expectInvalidAt(
      mapHmppsDomainEvent(event('review-report-submitted'), unpaid, context()),
      'detail.reviewReport.requirement',
    );
  });
});
