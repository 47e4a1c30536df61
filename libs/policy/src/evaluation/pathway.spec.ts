/**
 * One person's pathway, as the fixtures tell it (custody screening to completion), run through
 * the reducers and the evaluator in order, as the hub will: who receives what, under which flow.
 */
import { EVENT_TYPES } from '@cstr/contracts';
import { validateMessageBundle } from '@cstr/fhir';
import type { Bundle } from 'fhir/r4';
import { AGREEMENTS, fixtureBundle, PARTNERS, senderOf } from '../../test/policy-test-kit';
import { NO_CONSENT, updateConsent } from './consent-state';
import { recipientsFor } from './evaluate';
import { NO_RELATIONSHIPS, updateRelationships } from './relationships';

interface Step {
  readonly event: string;
  readonly outcomes: string[];
  readonly delivered: { readonly original: Bundle; readonly copy: Bundle }[];
}

function runPathway(): Step[] {
  let relationships = NO_RELATIONSHIPS;
  let consent = NO_CONSENT;
  return EVENT_TYPES.map((eventType) => {
    const bundle = fixtureBundle(eventType);
    const sender = senderOf(bundle);
    relationships = updateRelationships(relationships, { eventType, bundle }, sender, PARTNERS);
    consent = updateConsent(consent, { eventType, bundle }, sender, PARTNERS);
    const now = new Date((bundle as { timestamp: string }).timestamp);
    const decisions = recipientsFor({
      bundle,
      eventType,
      sender,
      partners: PARTNERS,
      agreements: AGREEMENTS,
      consent,
      relationships,
      now,
    });
    return {
      event: `${eventType} from ${sender.id}`,
      outcomes: decisions
        .map(
          ({ recipient, decision }) =>
            `${recipient.id}: ${decision.decision === 'deliver' ? decision.flowId : decision.rule}`,
        )
        .sort(),
      delivered: decisions.flatMap(({ decision }) =>
        decision.decision === 'deliver' ? [{ original: bundle, copy: decision.bundle }] : [],
      ),
    };
  });
}

const steps = runPathway();
const outcomesOf = (prefix: string) => steps.find((step) => step.event.startsWith(prefix))?.outcomes;

describe('the fixture pathway through the default agreements', () => {
  it('tells the L&D service and the Croydon unit (covering the court) about the hearing, not Lambeth', () => {
    expect(outcomesOf('court.hearing.listed')).toEqual([
      'nps-london-croydon: listing-to-probation',
      'sl-liaison-diversion: listing-to-liaison-diversion',
    ]);
  });

  it('sends the sentence to probation and the provider it names, not the other provider', () => {
    expect(outcomesOf('court.sentence.imposed')).toEqual([
      'nps-london-croydon: sentence-to-probation',
      'slam-mhtr: sentence-to-provider',
    ]);
  });

  it('holds back the assessment until the person consents to share it', () => {
    expect(outcomesOf('treatment.assessment.completed')).toEqual(['nps-london-croydon: consent-missing']);
  });

  it('copies a consent only to the parties it names', () => {
    expect(outcomesOf('consent.recorded')).toEqual([
      'nps-london-croydon: consent-mh-provider-to-probation',
      'sl-liaison-diversion: not-addressed',
    ]);
  });

  it('reports attendance, a missed session and progress to the responsible officer once consent is recorded', () => {
    expect(outcomesOf('treatment.appointment.attended')).toEqual(['nps-london-croydon: attendance-to-probation']);
    expect(outcomesOf('treatment.appointment.missed')).toEqual(['nps-london-croydon: attendance-to-probation']);
    expect(outcomesOf('treatment.progress.reported')).toEqual(['nps-london-croydon: progress-summary-to-probation']);
  });

  it('tells the GP service about the end of treatment; a missed deadline goes only to who owes the step, and not once its episode ended', () => {
    expect(outcomesOf('treatment.episode.ended')).toEqual([
      'nps-london-croydon: episode-end-to-probation',
      'pds-gp-registration: episode-end-to-gp',
    ]);
    // The fixture deadline is owed by the provider, which ended the episode just before: nobody else gets it
    // (the court reviewing the DRR is connected, but not addressed).
    expect(outcomesOf('pathway.deadline.missed')).toEqual([
      'croydon-mc: not-addressed',
      'nps-london-croydon: not-addressed',
      'pds-gp-registration: not-addressed',
      'sl-liaison-diversion: not-addressed',
    ]);
  });

  it('delivers only copies with no validation error their original did not have', () => {
    const delivered = steps.flatMap((step) => step.delivered);
    expect(delivered.length).toBeGreaterThan(25);
    const errors = (bundle: Bundle) =>
      validateMessageBundle(bundle)
        .issue.filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
        .map((issue) => issue.diagnostics);
    for (const { original, copy } of delivered) {
      const known = new Set(errors(original));
      expect(errors(copy).filter((error) => !known.has(error))).toEqual([]);
    }
  });
});
