/**
 * The start timescale the court gave a treatment requirement (SPEC §1 step 5: "as sentenced"), as
 * structured data: an `orderDetail` of the requirement's ServiceRequest carrying a hub extension
 * (a date, or a number of working days of sentence), its `text` the same in words for people.
 * Readers go by the extension only; the words are never parsed.
 */
import type { CodeableConcept, ServiceRequest } from 'fhir/r4';
import {
  TREATMENT_START_BY_EXTENSION,
  TREATMENT_START_WITHIN_WORKING_DAYS_EXTENSION,
} from '../builders/hub-extensions';
import type { RequirementInput } from './event-inputs';

/** When treatment must start: by a date (`YYYY-MM-DD`), or within working days of sentence. */
export type TreatmentStart = { readonly by: string } | { readonly withinWorkingDays: number };

const CALENDAR_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The `orderDetail` entry of a requirement's start timescale, when the court gave one (a date wins over a count). */
export function treatmentStartDetail(requirement: RequirementInput): CodeableConcept | undefined {
  if (requirement.startBy)
    return {
      extension: [{ url: TREATMENT_START_BY_EXTENSION, valueDate: requirement.startBy }],
      text: `Treatment to start by ${requirement.startBy}`,
    };
  if (requirement.startWithinWorkingDays !== undefined)
    return {
      extension: [
        { url: TREATMENT_START_WITHIN_WORKING_DAYS_EXTENSION, valueUnsignedInt: requirement.startWithinWorkingDays },
      ],
      text: `Treatment to start within ${requirement.startWithinWorkingDays} working days of sentence`,
    };
  return undefined;
}

/** The start timescale a requirement's ServiceRequest carries, or undefined (none given, or not well formed). */
export function treatmentStartOf(request: ServiceRequest): TreatmentStart | undefined {
  for (const extension of (request.orderDetail ?? []).flatMap((detail) => detail.extension ?? [])) {
    const { valueDate, valueUnsignedInt } = extension;
    if (
      extension.url === TREATMENT_START_BY_EXTENSION &&
      typeof valueDate === 'string' &&
      CALENDAR_DATE.test(valueDate)
    )
      return { by: valueDate };
    if (
      extension.url === TREATMENT_START_WITHIN_WORKING_DAYS_EXTENSION &&
      Number.isInteger(valueUnsignedInt) &&
      (valueUnsignedInt as number) >= 0
    )
      return { withinWorkingDays: valueUnsignedInt as number };
  }
  return undefined;
}
