/** Liaison & Diversion screening code systems. */
import { HUB_CODE_SYSTEM_BASE, hubCodeSystem, type HubConcept } from './hub-code-system';

const SCREENING_FLAG_CONCEPTS = [
  {
    code: 'mental-health',
    display: 'Mental health need',
    definition:
      'L&D screening outcome: a possible mental health need was identified (value true) or not (value false).',
  },
  {
    code: 'substance-misuse',
    display: 'Substance misuse need',
    definition:
      'L&D screening outcome: possible drug or alcohol misuse was identified (value true) or not (value false).',
  },
  {
    code: 'learning-disability',
    display: 'Learning disability',
    definition:
      'L&D screening outcome: a possible learning disability was identified (value true) or not (value false).',
  },
  {
    code: 'neurodevelopmental',
    display: 'Neurodevelopmental need',
    definition:
      'L&D screening outcome: a possible neurodevelopmental condition (e.g. autism, ADHD) was identified (value true) or not (value false).',
  },
] as const satisfies readonly HubConcept[];

/** A need Liaison & Diversion screens for. */
export type ScreeningFlagCode = (typeof SCREENING_FLAG_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const SCREENING_FLAG_CODES: readonly ScreeningFlagCode[] = SCREENING_FLAG_CONCEPTS.map(
  (concept) => concept.code,
);
/** Canonical URL of the screening-flag CodeSystem. */
export const SCREENING_FLAG_SYSTEM = `${HUB_CODE_SYSTEM_BASE}screening-flag`;
/** Needs screened for by L&D; used as `Observation.code` with a boolean value (identified or not). */
export const SCREENING_FLAG_CODE_SYSTEM = hubCodeSystem<ScreeningFlagCode>({
  id: 'screening-flag',
  name: 'CstrScreeningFlag',
  title: 'Liaison and Diversion screening flags',
  description:
    'The needs Liaison & Diversion screens for in custody or at court; each is reported as identified or not.',
  concepts: SCREENING_FLAG_CONCEPTS,
});
