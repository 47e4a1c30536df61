/**
 * Equality monitoring code systems: what a partner records of a person's protected characteristics
 * that UK Core has no code system for. They feed the hub's reporting only (the agreements deliver
 * them to nobody unless a flow names them).
 */
import { HUB_CODE_SYSTEM_BASE, hubCodeSystem, type HubConcept } from './hub-code-system';

const DISABILITY_CONCEPTS = [
  { code: 'sight', display: 'Sight', definition: 'Blind or partially sighted.' },
  { code: 'hearing', display: 'Hearing', definition: 'Deaf or hard of hearing.' },
  { code: 'mobility', display: 'Mobility', definition: 'Mobility, dexterity or another physical impairment.' },
  {
    code: 'learning',
    display: 'Learning, understanding or concentrating',
    definition: 'A learning disability or difficulty, or another condition affecting learning or understanding.',
  },
  {
    code: 'mental-health',
    display: 'Mental health condition',
    definition: 'A long-term mental health condition the person declares as a disability.',
  },
  {
    code: 'long-term-condition',
    display: 'Long-term or progressive condition',
    definition: 'A long-standing illness or progressive condition (e.g. cancer, HIV, multiple sclerosis).',
  },
  { code: 'other', display: 'Other', definition: 'Another impairment the person declares.' },
  { code: 'none', display: 'No disability', definition: 'The person declares no disability.' },
  { code: 'not-stated', display: 'Not stated', definition: 'The person was asked and preferred not to say.' },
] as const satisfies readonly HubConcept[];

/** A disability category as an equality monitoring form records it. */
export type DisabilityCode = (typeof DISABILITY_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const DISABILITY_CODES: readonly DisabilityCode[] = DISABILITY_CONCEPTS.map((concept) => concept.code);
/** Canonical URL of the disability CodeSystem. */
export const DISABILITY_SYSTEM = `${HUB_CODE_SYSTEM_BASE}disability`;
/** Values of the R4 `patient-disability` extension (Equality Act 2010 s6, as declared by the person). */
export const DISABILITY_CODE_SYSTEM = hubCodeSystem<DisabilityCode>({
  id: 'disability',
  name: 'CstrDisability',
  title: 'Disability (equality monitoring)',
  description:
    'Disability as the person declares it for equality monitoring (Equality Act 2010 s6): a category, none, or not stated. Reporting only.',
  concepts: DISABILITY_CONCEPTS,
});
