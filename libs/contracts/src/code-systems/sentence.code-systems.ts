/** Court and sentence code systems: order types, treatment requirement types, hearing outcomes. */
import { HUB_CODE_SYSTEM_BASE, hubCodeSystem, type HubConcept } from './hub-code-system';

const REQUIREMENT_TYPE_CONCEPTS = [
  {
    code: 'mhtr-primary',
    display: 'Mental Health Treatment Requirement (primary care)',
    definition:
      'MHTR delivered by a primary care psychological service for mild to moderate mental health needs (Criminal Justice Act 2003 s207).',
  },
  {
    code: 'mhtr-secondary',
    display: 'Mental Health Treatment Requirement (secondary care)',
    definition:
      'MHTR delivered by secondary mental health services under a registered medical practitioner or psychologist (Criminal Justice Act 2003 s207).',
  },
  {
    code: 'drr',
    display: 'Drug Rehabilitation Requirement',
    definition:
      'Treatment and testing for drug dependency (Criminal Justice Act 2003 s209); treatment starts within 2 working days.',
  },
  {
    code: 'atr',
    display: 'Alcohol Treatment Requirement',
    definition: 'Treatment for alcohol dependency (Criminal Justice Act 2003 s212); treatment starts within 14 days.',
  },
] as const satisfies readonly HubConcept[];

/** A treatment requirement type. */
export type RequirementTypeCode = (typeof REQUIREMENT_TYPE_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const REQUIREMENT_TYPE_CODES: readonly RequirementTypeCode[] = REQUIREMENT_TYPE_CONCEPTS.map(
  (concept) => concept.code,
);
/** Canonical URL of the requirement-type CodeSystem. */
export const REQUIREMENT_TYPE_SYSTEM = `${HUB_CODE_SYSTEM_BASE}requirement-type`;
/** Treatment requirement types (MHTR primary and secondary care, DRR, ATR). */
export const REQUIREMENT_TYPE_CODE_SYSTEM = hubCodeSystem<RequirementTypeCode>({
  id: 'requirement-type',
  name: 'CstrRequirementType',
  title: 'Community sentence treatment requirement types',
  description: 'The treatment requirements a court may attach to a community order or suspended sentence order.',
  concepts: REQUIREMENT_TYPE_CONCEPTS,
});

const ORDER_TYPE_CONCEPTS = [
  {
    code: 'community-order',
    display: 'Community order',
    definition: 'A community order with one or more requirements (Criminal Justice Act 2003 s177).',
  },
  {
    code: 'suspended-sentence-order',
    display: 'Suspended sentence order',
    definition:
      'A custodial sentence suspended for a period during which the person must comply with community requirements (Criminal Justice Act 2003 s189).',
  },
] as const satisfies readonly HubConcept[];

/** An order type that carries treatment requirements. */
export type OrderTypeCode = (typeof ORDER_TYPE_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const ORDER_TYPE_CODES: readonly OrderTypeCode[] = ORDER_TYPE_CONCEPTS.map((concept) => concept.code);
/** Canonical URL of the order-type CodeSystem. */
export const ORDER_TYPE_SYSTEM = `${HUB_CODE_SYSTEM_BASE}order-type`;
/** Order types that carry treatment requirements. */
export const ORDER_TYPE_CODE_SYSTEM = hubCodeSystem<OrderTypeCode>({
  id: 'order-type',
  name: 'CstrOrderType',
  title: 'Order types',
  description: 'Sentences that can carry a community sentence treatment requirement.',
  concepts: ORDER_TYPE_CONCEPTS,
});

const HEARING_OUTCOME_CONCEPTS = [
  {
    code: 'adjourned-for-report',
    display: 'Adjourned for pre-sentence report',
    definition: 'The case was adjourned so that probation can prepare a pre-sentence report.',
  },
  { code: 'adjourned', display: 'Adjourned', definition: 'The case was adjourned for another reason.' },
  {
    code: 'convicted',
    display: 'Convicted',
    definition: 'The person was convicted (pleaded or found guilty); sentence to follow.',
  },
  {
    code: 'remanded-in-custody',
    display: 'Remanded in custody',
    definition: 'The person was remanded in custody until the next hearing.',
  },
  {
    code: 'remanded-on-bail',
    display: 'Remanded on bail',
    definition: 'The person was released on bail until the next hearing.',
  },
  {
    code: 'sentenced',
    display: 'Sentenced',
    definition: 'The court passed sentence (the sentence itself is a separate event).',
  },
  { code: 'acquitted', display: 'Acquitted', definition: 'The person was found not guilty.' },
  { code: 'withdrawn', display: 'Withdrawn', definition: 'The prosecution withdrew or discontinued the case.' },
] as const satisfies readonly HubConcept[];

/** What a court hearing ended with. */
export type HearingOutcomeCode = (typeof HEARING_OUTCOME_CONCEPTS)[number]['code'];
/** Every code of the system, in definition order. */
export const HEARING_OUTCOME_CODES: readonly HearingOutcomeCode[] = HEARING_OUTCOME_CONCEPTS.map(
  (concept) => concept.code,
);
/** Canonical URL of the hearing-outcome CodeSystem. */
export const HEARING_OUTCOME_SYSTEM = `${HUB_CODE_SYSTEM_BASE}hearing-outcome`;
/** Court hearing outcomes that matter to the pathway. */
export const HEARING_OUTCOME_CODE_SYSTEM = hubCodeSystem<HearingOutcomeCode>({
  id: 'hearing-outcome',
  name: 'CstrHearingOutcome',
  title: 'Court hearing outcomes',
  description: 'Outcomes of a court hearing as the pathway needs them.',
  concepts: HEARING_OUTCOME_CONCEPTS,
});

/** Canonical URL the hub gives the Criminal Justice System offence codes (e.g. `TH68010`). */
export const CJS_OFFENCE_SYSTEM = `${HUB_CODE_SYSTEM_BASE}cjs-offence-code`;
/**
 * The CJS offence code list (maintained by the Ministry of Justice), named so offence codes on a
 * hearing have a system; its concepts are not copied (`content = not-present`).
 */
export const CJS_OFFENCE_CODE_SYSTEM = hubCodeSystem<string>({
  id: 'cjs-offence-code',
  name: 'CstrCjsOffenceCode',
  title: 'Criminal Justice System offence codes',
  description:
    'The CJS offence codes of the Ministry of Justice offence list, as used by HMCTS court lists; codes only, not copied here.',
  concepts: [],
  content: 'not-present',
});
