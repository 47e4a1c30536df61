import { randomUUID } from 'node:crypto';
import type { EventType } from '@cstr/contracts';
import { patientOf, type EventInputOf } from '@cstr/fhir';
import type { Patient } from 'fhir/r4';
import { fixtureEvent } from '../../test/ingress-test-kit';
import { ageBand, reportFactOf, reportingMonth } from './report-facts';

/** The fact of the fixture event of `type` (Jordan Reid, born 1991-03-14, male). */
function factOf<T extends EventType>(
  type: T,
  change?: (input: EventInputOf<T>) => void,
): ReturnType<typeof reportFactOf> {
  const event = fixtureEvent(type, change);
  return reportFactOf({
    eventId: event.eventId,
    eventType: type,
    sender: { kind: 'mh-provider' },
    personId: randomUUID(),
    bundle: event.bundle,
    patient: patientOf(event.bundle) as Patient,
    now: new Date('2026-12-01T00:00:00Z'),
  });
}

describe('reporting facts of DRR and ATR events', () => {
  it('keeps the date and modality of a treatment start, and its requirement type', () => {
    expect(factOf('treatment.started')).toMatchObject({
      requirementTypes: ['drr'],
      outcome: 'specialist-prescribing',
      factDate: '2026-06-03',
    });
  });

  it('keeps a drug test as positive when any substance was found, on its sample date, and no substance', () => {
    const fact = factOf('treatment.drug-test.resulted');
    expect(fact).toMatchObject({ outcome: 'positive', factDate: '2026-06-10', requirementTypes: [] });
    expect(JSON.stringify(fact)).not.toMatch(/cocaine|opiates|methadone/);
    expect(
      factOf('treatment.drug-test.resulted', (input) => {
        input.test.results = [
          { substance: 'opiates', result: 'negative' },
          { substance: 'cocaine', result: 'negative' },
        ];
      })?.outcome,
    ).toBe('negative');
  });

  it('keeps the hearing date of a court review and of the report for it, and the review outcome', () => {
    expect(factOf('court.review.listed')).toMatchObject({ factDate: '2026-07-07', requirementTypes: ['drr'] });
    expect(factOf('probation.review.reported')).toMatchObject({ factDate: '2026-07-07' });
    expect(factOf('court.review.resulted')).toMatchObject({ outcome: 'progress-satisfactory' });
  });

  it('keeps an AUDIT score taken at an ATR assessment for reporting', () => {
    const fact = factOf('treatment.assessment.completed', (input) => {
      input.assessment.requirementType = 'atr';
      input.scores = [{ instrument: 'audit', score: 24, date: '2026-06-02', stage: 'baseline' }];
    });
    expect(fact?.scores).toEqual([{ instrument: 'audit', score: 24, stage: 'baseline' }]);
  });
});

describe('reporting facts of events', () => {
  it('keeps the requirement types, month, gender and age band of a sentence, and nothing that names the person', () => {
    const fact = factOf('court.sentence.imposed');
    expect(fact).toMatchObject({
      eventType: 'court.sentence.imposed',
      month: '2026-06',
      requirementTypes: ['mhtr-primary'],
      gender: 'male',
      ageBand: '35-44',
      outcome: null,
      scores: [],
    });
    expect(JSON.stringify(fact)).not.toMatch(/Reid|Jordan|1991|2004\/0046583U/);
  });

  it('reads the coded outcome of each event from its hub CodeSystem', () => {
    expect(factOf('treatment.assessment.completed')?.outcome).toMatch(/^(suitable|not-suitable)$/);
    expect(factOf('treatment.suitability.decided')).toMatchObject({
      outcome: expect.stringMatching(/^(approved|declined)$/),
      requirementTypes: [expect.stringMatching(/^mhtr/)],
    });
    expect(
      factOf('treatment.appointment.missed', (input) => Object.assign(input, { significance: 'logistics' }))?.outcome,
    ).toBe('logistics');
    expect(
      factOf('probation.enforcement.decided', (input) =>
        Object.assign(input.enforcement, { decision: 'breach-proceedings' }),
      )?.outcome,
    ).toBe('breach-proceedings');
    expect(
      factOf('probation.requirement.terminated', (input) =>
        Object.assign(input.requirement, { outcome: 'breached', type: 'drr' }),
      ),
    ).toMatchObject({ outcome: 'breached', requirementTypes: ['drr'] });
    expect(
      factOf('treatment.episode.ended', (input) => Object.assign(input.episode, { reason: 'disengaged' }))?.outcome,
    ).toBe('disengaged');
    expect(factOf('court.hearing.resulted', (input) => Object.assign(input, { outcome: 'sentenced' }))?.outcome).toBe(
      'sentenced',
    );
    expect(factOf('gp.registration.checked', (input) => delete input.registration)?.outcome).toBe('not-registered');
    expect(factOf('gp.registration.changed')?.outcome).toBe('registered');
    expect(factOf('consent.recorded')?.outcome).toBe('active');
  });

  it('keeps outcome scores without dates, and leaves events the dataset does not use', () => {
    expect(factOf('treatment.progress.reported')?.scores).toEqual(
      expect.arrayContaining([{ instrument: 'core-34', score: 68, stage: 'baseline' }]),
    );
    expect(factOf('risk.changed')).toBeUndefined();
    expect(factOf('court.hearing.listed')).toBeUndefined();
  });

  it('reports in UK months and age bands at the event', () => {
    expect(reportingMonth(new Date('2026-06-30T23:30:00Z'))).toBe('2026-07');
    expect(reportingMonth(new Date('2026-12-31T23:30:00Z'))).toBe('2026-12');
    expect(ageBand('2008-06-02', new Date('2026-06-01T12:00:00Z'))).toBe('under-18');
    expect(ageBand('2008-06-02', new Date('2026-06-02T12:00:00Z'))).toBe('18-24');
    expect(ageBand('1961-01-01', new Date('2026-06-01T12:00:00Z'))).toBe('65-plus');
    expect(ageBand(undefined, new Date())).toBeNull();
  });
});
