import { OBSERVATION_TYPE_SYSTEM, OUTCOME_STAGE_SYSTEM } from '@cstr/contracts';
import { resourcesOfType } from '@cstr/fhir';
import type { Bundle } from 'fhir/r4';

/** Observation types of outcome scores (`outcome-score-phq-9`…): the instrument follows the prefix. */
const SCORE_PREFIX = 'outcome-score-';

/** One clinical outcome score (CORE-34, PHQ-9, GAD-7; AUDIT for an ATR) the hub keeps for its reporting only. */
export interface OutcomeScore {
  /** `core-34`, `phq-9`, `gad-7`, `audit` (the code after `outcome-score-`). */
  readonly instrument: string;
  readonly score: number;
  /** When it was measured (Observation.effectiveDateTime). */
  readonly effective: string | null;
  /** `baseline`, `review`, `discharge`… when given. */
  readonly stage: string | null;
}

/**
 * The outcome scores an event carries: `treatment.progress.reported`, and `treatment.assessment.completed`
 * (AUDIT at an ATR assessment); none for other events. No agreement lets them leave the hub.
 */
export function outcomeScoresOf(bundle: Bundle): OutcomeScore[] {
  return resourcesOfType(bundle, 'Observation').flatMap((observation) => {
    const code = observation.code?.coding?.find(
      (coding) => coding.system === OBSERVATION_TYPE_SYSTEM && coding.code?.startsWith(SCORE_PREFIX),
    )?.code;
    const score = observation.valueQuantity?.value;
    if (!code || typeof score !== 'number') return [];
    const stage = observation.component
      ?.flatMap((component) => component.valueCodeableConcept?.coding ?? [])
      .find((coding) => coding.system === OUTCOME_STAGE_SYSTEM)?.code;
    return [
      {
        instrument: code.slice(SCORE_PREFIX.length),
        score,
        effective: observation.effectiveDateTime ?? null,
        stage: stage ?? null,
      },
    ];
  });
}
