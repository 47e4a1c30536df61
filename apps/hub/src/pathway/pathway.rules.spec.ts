import type { EventType } from '@cstr/contracts';
import { resourcesOfType, type EventInputOf } from '@cstr/fhir';
import { fixtureEvent } from '../../test/ingress-test-kit';
import { checkPathwayConfig, dueAt, loadPathwayConfig, PathwayConfigError } from './pathway.config';
import { hearingOf, pathwayChanges, type PathwayChanges, type PathwayFacts } from './pathway.rules';
import { calendarWarning } from './pathway.scheduler';
import { projectPath } from '@cstr/platform';
import { loadPartnersFile } from '@cstr/policy';

const PARTNERS = loadPartnersFile(projectPath('config/partners.yaml'));

const config = loadPathwayConfig(projectPath('config/pathway.yaml'));
/** Tuesday 2 June 2026, 11:30 London time. */
const RECEIVED = new Date('2026-06-02T10:30:00Z');

function changesOf<T extends EventType>(
  type: T,
  change?: (input: EventInputOf<T>) => void,
  known: PathwayFacts = {},
  receivedAt = RECEIVED,
): PathwayChanges {
  return changesOfEvent(type, fixtureEvent(type, change), known, receivedAt);
}

/** The changes of an event as built (a test may alter its Bundle first). */
function changesOfEvent(
  type: EventType,
  event: ReturnType<typeof fixtureEvent>,
  known: PathwayFacts = {},
  receivedAt = RECEIVED,
): PathwayChanges {
  return pathwayChanges(
    {
      eventId: event.eventId,
      eventType: type,
      senderId: event.routingKey.split('.')[0],
      bundle: event.bundle,
      partners: PARTNERS,
      receivedAt,
    },
    config,
    known,
  );
}

describe('pathway rules (SPEC §8)', () => {
  it('opens a DRR first appointment due at the end of the second working day, owed by the provider named on the requirement', () => {
    const { open } = changesOf('court.sentence.imposed', (input) => {
      input.sentence.requirements = [
        { ...input.sentence.requirements[0], id: 'drr-1', type: 'drr', startWithinWorkingDays: undefined },
      ];
    });
    const first = open.filter((each) => each.kind === 'first-appointment');
    expect(first).toEqual([
      expect.objectContaining({ owedBy: 'slam-mhtr', dueAt: new Date('2026-06-04T22:59:59.999Z') }),
    ]);
    expect(first[0].description).toMatch(/DRR.*2 working days/);
    expect(open.filter((each) => each.kind === 'three-way-meeting')).toEqual([
      expect.objectContaining({ owedBy: 'slam-mhtr', dueAt: new Date('2026-06-09T22:59:59.999Z') }),
    ]);
  });

  it('gives an ATR 14 calendar days and an MHTR the timescale of the sentence', () => {
    const atr = changesOf('court.sentence.imposed', (input) => {
      input.sentence.requirements = [
        { ...input.sentence.requirements[0], type: 'atr', startWithinWorkingDays: undefined },
      ];
    });
    expect(atr.open.find((each) => each.kind === 'first-appointment')?.dueAt).toEqual(
      new Date('2026-06-16T22:59:59.999Z'),
    );
    const mhtr = changesOf('court.sentence.imposed', (input) => {
      input.sentence.requirements[0].startWithinWorkingDays = 3;
    });
    expect(mhtr.open.find((each) => each.kind === 'first-appointment')?.dueAt).toEqual(
      new Date('2026-06-05T22:59:59.999Z'),
    );
    const by = changesOf('court.sentence.imposed', (input) => {
      input.sentence.requirements[0].startWithinWorkingDays = undefined;
      input.sentence.requirements[0].startBy = '2026-06-30';
    });
    expect(by.open.find((each) => each.kind === 'first-appointment')?.dueAt).toEqual(
      new Date('2026-06-30T22:59:59.999Z'),
    );
    const asDefault = changesOf('court.sentence.imposed', (input) => {
      input.sentence.requirements[0].startWithinWorkingDays = undefined;
    });
    expect(asDefault.open.find((each) => each.kind === 'first-appointment')?.dueAt).toEqual(
      new Date('2026-06-16T22:59:59.999Z'),
    );
  });

  it('reads the MHTR start timescale from its structured field only: the same words without it give the default', () => {
    const sentence = fixtureEvent('court.sentence.imposed', (input) => {
      input.sentence.requirements[0] = { ...input.sentence.requirements[0], startWithinWorkingDays: 3 };
    });
    const firstDue = (changes: PathwayChanges) =>
      changes.open.find((each) => each.kind === 'first-appointment')?.dueAt.toISOString();
    // Given the court's "within 3 working days" as the requirement's structured start timescale
    expect(firstDue(changesOfEvent('court.sentence.imposed', sentence))).toBe('2026-06-05T22:59:59.999Z');
    // When a sender gives the same timescale in words only
    for (const request of resourcesOfType(sentence.bundle, 'ServiceRequest'))
      request.orderDetail = request.orderDetail?.map(({ text }) => ({ text }));
    expect(JSON.stringify(sentence.bundle)).toContain('Treatment to start within 3 working days of sentence');
    // Then the words are not read: the configured 10 working days apply
    expect(firstDue(changesOfEvent('court.sentence.imposed', sentence))).toBe('2026-06-16T22:59:59.999Z');
  });

  it("ties each first appointment to its requirement, and a provider's meeting to all of its requirements", () => {
    const { open } = changesOf('court.sentence.imposed', (input) => {
      const [mhtr] = input.sentence.requirements;
      input.sentence.requirements = [mhtr, { ...mhtr, id: 'atr-1', type: 'atr', startWithinWorkingDays: undefined }];
    });
    expect(open.map((each) => [each.kind, each.requirements, each.requirementIds])).toEqual([
      ['first-appointment', ['mhtr'], ['2500123']],
      ['first-appointment', ['atr'], ['atr-1']],
      ['three-way-meeting', ['mhtr', 'atr'], ['2500123', 'atr-1']],
    ]);
    expect(changesOf('court.review.listed').open.map((each) => each.requirements)).toEqual([['drr']]);
  });

  it('opens nothing for a requirement that names no provider partner', () => {
    const { open } = changesOf('court.sentence.imposed', (input) => {
      input.sentence.requirements = [{ ...input.sentence.requirements[0], provider: undefined }];
    });
    expect(open).toEqual([]);
  });

  it('asks for GP registration support only when the last check found no GP', () => {
    expect(
      changesOf('court.sentence.imposed', undefined, { gpRegistered: false }).open.map((each) => each.kind),
    ).toContain('gp-registration-support');
    expect(
      changesOf('court.sentence.imposed', undefined, { gpRegistered: true }).open.map((each) => each.kind),
    ).not.toContain('gp-registration-support');
    expect(changesOf('court.sentence.imposed').open.map((each) => each.kind)).not.toContain('gp-registration-support');
    expect(changesOf('gp.registration.checked').facts).toEqual({ gpRegistered: true });
    expect(changesOf('gp.registration.checked').close).toEqual([{ kinds: ['gp-registration-support'], as: 'met' }]);
    const none = changesOf('gp.registration.checked', (input) => {
      delete (input as { registration?: unknown }).registration;
    });
    expect(none).toMatchObject({ facts: { gpRegistered: false }, close: [] });
  });

  it('gives the provider asked for an assessment until the end of the day, met by its suitability decision', () => {
    const { open } = changesOf('probation.psr.requested');
    expect(open).toEqual([
      expect.objectContaining({
        kind: 'assessment-decision',
        owedBy: 'slam-mhtr',
        dueAt: new Date('2026-06-02T22:59:59.999Z'),
      }),
    ]);
    expect(changesOf('treatment.suitability.decided').close).toEqual([
      { kinds: ['assessment-decision'], as: 'met', owedBy: 'slam-mhtr' },
    ]);
  });

  it('opens an outcome deadline one working day after a booked appointment ends, met by its attendance or non-attendance', () => {
    const booked = changesOf('treatment.appointment.booked');
    const outcome = booked.open.find((each) => each.kind === 'outcome-reporting');
    // The fixture's three-way meeting ends Monday 8 June 2026, 11:00 London time: due the end of Tuesday 9 June.
    expect(outcome).toMatchObject({ owedBy: 'slam-mhtr', dueAt: new Date('2026-06-09T22:59:59.999Z') });
    expect(outcome?.matchKey).toMatch(/\|SLAM-APPT-550101$/);
    // The booking meets a first appointment and a three-way meeting due by its start.
    expect(booked.close).toEqual(
      expect.arrayContaining([
        { kinds: ['first-appointment'], as: 'met', owedBy: 'slam-mhtr', startsAt: new Date('2026-06-08T09:00:00Z') },
        { kinds: ['three-way-meeting'], as: 'met', owedBy: 'slam-mhtr', startsAt: new Date('2026-06-08T09:00:00Z') },
        { kinds: ['outcome-reporting'], as: 'replaced', owedBy: 'slam-mhtr', matchKey: outcome?.matchKey },
      ]),
    );
    const attended = changesOf('treatment.appointment.attended', (input) => {
      input.appointment.id = 'SLAM-APPT-550101';
    });
    expect(attended.close).toContainEqual({
      kinds: ['outcome-reporting'],
      as: 'met',
      owedBy: 'slam-mhtr',
      matchKey: outcome?.matchKey,
    });
    const missed = changesOf('treatment.appointment.missed', (input) => {
      input.appointment.id = 'SLAM-APPT-550101';
    });
    expect(missed.close).toEqual([
      { kinds: ['outcome-reporting'], as: 'met', owedBy: 'slam-mhtr', matchKey: outcome?.matchKey },
    ]);
  });

  it('keeps the needs an L&D screening identified, and reads a listed hearing', () => {
    expect(changesOf('ld.screening.completed').facts).toEqual({
      screening: { screenedOn: '2026-05-11', needs: ['mental-health'] },
    });
    const listed = fixtureEvent('court.hearing.listed');
    expect(hearingOf(listed.bundle)).toEqual({
      id: 'a3f0c9d2-6b1e-4f57-9c2a-5d8e7b1f0a44',
      court: { code: 'B01CY00', name: "Croydon Magistrates' Court" },
      room: expect.stringContaining('Courtroom 3') as string,
      start: '2026-05-12T10:00:00+01:00',
      end: '2026-05-12T10:00:00+01:00',
    });
  });

  it('owes a DRR start to the drug and alcohol service named on the requirement: 2 working days of sentence', () => {
    const changes = changesOf('court.sentence.imposed', (input) => {
      input.sentence.requirements = [
        {
          id: 'drr-1',
          type: 'drr',
          lengthMonths: 12,
          provider: {
            code: 'NDA',
            name: 'South London Community Drug and Alcohol Service (DRR and ATR)',
            partnerId: 'sl-drug-alcohol-service',
          },
        },
      ];
    });
    const first = changes.open.filter((each) => each.kind === 'first-appointment');
    expect(first.map((each) => [each.owedBy, each.dueAt.toISOString()])).toEqual([
      // Tuesday 2 June + 2 working days: the end of Thursday 4 June, London time.
      ['sl-drug-alcohol-service', '2026-06-04T22:59:59.999Z'],
    ]);
  });

  it('meets the start with treatment.started from the service, by the date treatment started', () => {
    expect(changesOf('treatment.started')).toEqual({
      close: [
        {
          kinds: ['first-appointment'],
          as: 'met',
          owedBy: 'sl-drug-alcohol-service',
          startsAt: new Date('2026-06-03T00:00:00Z'),
        },
      ],
      open: [],
      facts: {},
    });
  });

  it('opens a review report owed by the probation team the court names, 2 working days before the review hearing', () => {
    const { open } = changesOf('court.review.listed');
    // The hearing is on Tuesday 7 July 2026: Monday 6 and Friday 3 July are the two working days before.
    expect(open.map((each) => [each.kind, each.owedBy, each.dueAt.toISOString()])).toEqual([
      ['review-report', 'nps-london-croydon', '2026-07-03T22:59:59.999Z'],
    ]);
    expect(open[0].description).toMatch(/drug test results.*2 working days before the hearing/);
  });

  it('owes the review report to the probation teams covering the court when the listing names none, and skips a bank holiday', () => {
    const { open } = changesOf('court.review.listed', (input) => {
      input.review.reportFrom = undefined;
      // Tuesday 1 September 2026: Monday 31 August is the summer bank holiday.
      input.review.hearing = { ...input.review.hearing, start: '2026-09-01T10:00:00+01:00' };
    });
    expect(open.map((each) => [each.owedBy, each.dueAt.toISOString()])).toEqual([
      ['nps-london-croydon', '2026-08-27T22:59:59.999Z'],
    ]);
  });

  it('meets the review report with probation.review.reported from the team that owes it', () => {
    expect(changesOf('probation.review.reported').close).toEqual([
      { kinds: ['review-report'], as: 'met', owedBy: 'nps-london-croydon' },
    ]);
  });

  it('opens and closes nothing for a review outcome: a court review is no treatment appointment', () => {
    const { close, open } = changesOf('court.review.resulted');
    expect([close, open]).toEqual([[], []]);
  });

  describe('a requirement that ends cancels its own open deadlines', () => {
    it('a referral rejection: the requirement the referral names, owed by the provider that rejected it', () => {
      const { cancel, close, open } = changesOf('treatment.referral.rejected', (input) => {
        input.referral.id = '2500123';
      });
      expect([close, open]).toEqual([[], []]);
      expect(cancel).toEqual([
        {
          requirementIds: ['2500123'],
          owedBy: 'st-andrews-mhtr',
          reason: 'The referral was rejected by st-andrews-mhtr.',
        },
      ]);
    });

    it('an episode end: its requirement, owed by the provider, with the reason it ended', () => {
      expect(changesOf('treatment.episode.ended').cancel).toEqual([
        {
          requirement: 'mhtr',
          requirementIds: ['SLAM-EP-20419'],
          owedBy: 'slam-mhtr',
          reason: 'The MHTR treatment episode at slam-mhtr ended (completed).',
        },
      ]);
      expect(
        changesOf('treatment.episode.ended', (input) => {
          input.episode.requirementType = 'atr';
          input.episode.reason = 'disengaged';
        }).cancel,
      ).toEqual([expect.objectContaining({ requirement: 'atr', reason: expect.stringContaining('(disengaged)') })]);
    });

    it("a termination by probation: all of that requirement's steps, whoever owes them", () => {
      const { cancel } = changesOf('probation.requirement.terminated', (input) => {
        input.requirement.type = 'drr';
        input.requirement.outcome = 'revoked';
      });
      expect(cancel).toEqual([
        {
          requirement: 'drr',
          requirementIds: ['2500123'],
          reason: 'The DRR was terminated (revoked) by nps-london-croydon.',
        },
      ]);
      expect(cancel?.[0]).not.toHaveProperty('owedBy');
    });

    it('events that end no requirement cancel nothing', () => {
      for (const type of ['treatment.referral.accepted', 'treatment.appointment.missed', 'risk.changed'] as const)
        expect(changesOf(type).cancel).toBeUndefined();
    });
  });

  it('changes nothing for events without a pathway step', () => {
    expect(changesOf('risk.changed')).toEqual({ close: [], open: [], facts: {} });
  });
});

describe('pathway config', () => {
  it('reads the shipped file', () => {
    expect(config).toMatchObject({
      assessmentDecision: { workingDays: 0 },
      firstAppointment: { drr: { workingDays: 2 }, atr: { calendarDays: 14 }, mhtr: { workingDays: 10 } },
      reviewReport: { workingDaysBeforeHearing: 2 },
    });
  });

  it('refuses a review report timescale that is not a count of working days before the hearing', () => {
    expect(() => checkPathwayConfig({ deadlines: { 'review-report': { workingDays: 2 } } })).toThrow(
      /deadlines.review-report: must be \{ workingDaysBeforeHearing: n \}/,
    );
    expect(checkPathwayConfig({ deadlines: { 'review-report': 'off' } }).reviewReport).toBeUndefined();
  });

  it('names every bad key', () => {
    expect(() =>
      checkPathwayConfig({
        calendar: 'scotland',
        deadlines: { 'first-appointment': { drr: { weeks: 2 } }, 'coffee-break': { workingDays: 1 } },
      }),
    ).toThrow(PathwayConfigError);
    try {
      checkPathwayConfig({
        calendar: 'scotland',
        deadlines: { 'first-appointment': { drr: { weeks: 2 } }, 'coffee-break': { workingDays: 1 } },
      });
    } catch (error) {
      expect((error as PathwayConfigError).problems).toEqual([
        'calendar: must be one of england-and-wales',
        'deadlines.coffee-break: unknown deadline kind (assessment-decision, first-appointment, three-way-meeting, outcome-reporting, gp-registration-support, review-report)',
        'deadlines.first-appointment.drr: must be { workingDays: n } or { calendarDays: n } (0-366), or off',
      ]);
    }
  });

  it('turns a deadline off', () => {
    const off = checkPathwayConfig({
      deadlines: { 'three-way-meeting': 'off', 'first-appointment': { drr: { workingDays: 2 } } },
    });
    expect(off.threeWayMeeting).toBeUndefined();
    expect(off.firstAppointment).toEqual({ drr: { workingDays: 2 } });
  });

  it('counts a deadline from the London day it starts on', () => {
    // 23:30 UTC on Friday 5 June is Saturday in London: two working days later is Tuesday 9 June.
    expect(dueAt(new Date('2026-06-05T23:30:00Z'), { workingDays: 2 }, config.calendar)).toEqual(
      new Date('2026-06-09T22:59:59.999Z'),
    );
  });
});

describe('the bank holiday calendar at boot', () => {
  it('warns when the calendar ends within a year, naming its last year', () => {
    expect(calendarWarning(config.calendar, new Date('2026-11-30T12:00:00Z'))).toBeUndefined();
    expect(calendarWarning(config.calendar, new Date(`${config.calendar.lastYear}-03-01T12:00:00Z`))).toContain(
      `${config.calendar.lastYear}-12-31`,
    );
    expect(calendarWarning(config.calendar, new Date(`${config.calendar.lastYear + 1}-03-01T12:00:00Z`))).toMatch(
      /skip weekends only/,
    );
  });
});
