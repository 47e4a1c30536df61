/**
 * The equality characteristics the minimum dataset breaks down by, read from the Patient a
 * partner sent (UK Core ethnic category, R4 gender identity and disability, interpreter required,
 * preferred language). Only the reporting category is kept — an ethnic group, not the detailed
 * category; whether a disability was declared, not which. Pure.
 */
import { DISABILITY_SYSTEM } from '@cstr/contracts';
import {
  DISABILITY_EXTENSION,
  ETHNIC_CATEGORY_ENGLAND_SYSTEM,
  ETHNIC_CATEGORY_EXTENSION,
  GENDER_IDENTITY_CODES,
  GENDER_IDENTITY_EXTENSION,
  GENDER_IDENTITY_SYSTEM,
  INTERPRETER_REQUIRED_EXTENSION,
  LANGUAGE_SYSTEM,
} from '@cstr/fhir';
import type { Coding, Patient } from 'fhir/r4';

/** Ethnic groups of the breakdown (the 2021 Census's five groups for England), and not stated. */
export const ETHNIC_GROUPS = ['white', 'mixed', 'asian', 'black', 'other', 'not-stated'] as const;
/** Gender identities of the breakdown (HL7's codes). */
export const GENDER_IDENTITIES = GENDER_IDENTITY_CODES;
/** Disability as declared. */
export const DISABILITY_STATUSES = ['disabled', 'not-disabled', 'not-stated'] as const;
/** Communication needs: an interpreter, another language than English (no interpreter asked), none. */
export const COMMUNICATION_NEEDS = ['interpreter', 'other-language', 'none'] as const;

/** The equality characteristics of a person as one event recorded them; null where not recorded. */
export interface EqualityFacts {
  readonly ethnicGroup: (typeof ETHNIC_GROUPS)[number] | null;
  readonly genderIdentity: (typeof GENDER_IDENTITIES)[number] | null;
  readonly disability: (typeof DISABILITY_STATUSES)[number] | null;
  readonly communicationNeeds: (typeof COMMUNICATION_NEEDS)[number] | null;
}

/** The ethnic category (England) code's group; `99` (not known) is no group. */
const ETHNIC_GROUP_OF_CATEGORY: Readonly<Record<string, EqualityFacts['ethnicGroup']>> = {
  ...Object.fromEntries(['A', 'B', 'C'].map((code) => [code, 'white'])),
  ...Object.fromEntries(['D', 'E', 'F', 'G'].map((code) => [code, 'mixed'])),
  ...Object.fromEntries(['H', 'J', 'K', 'L'].map((code) => [code, 'asian'])),
  ...Object.fromEntries(['M', 'N', 'P'].map((code) => [code, 'black'])),
  ...Object.fromEntries(['R', 'S'].map((code) => [code, 'other'])),
  Z: 'not-stated',
};

/** The equality characteristics the Patient carries. */
export function equalityFactsOf(patient: Patient): EqualityFacts {
  return {
    ethnicGroup: ethnicGroupOf(patient),
    genderIdentity: genderIdentityOf(patient),
    disability: disabilityOf(patient),
    communicationNeeds: communicationNeedsOf(patient),
  };
}

function extensionsOf(patient: Patient, url: string): Record<string, unknown>[] {
  const list: unknown = patient.extension;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (item): item is Record<string, unknown> => typeof item === 'object' && item !== null && item.url === url,
  );
}

function codingsOf(extension: Record<string, unknown>, system: string): string[] {
  const concept = extension.valueCodeableConcept as { coding?: unknown } | undefined;
  const codings: unknown = concept?.coding;
  if (!Array.isArray(codings)) return [];
  return codings.flatMap((coding: Coding) =>
    coding?.system === system && typeof coding.code === 'string' ? [coding.code] : [],
  );
}

function ethnicGroupOf(patient: Patient): EqualityFacts['ethnicGroup'] {
  const code = extensionsOf(patient, ETHNIC_CATEGORY_EXTENSION).flatMap((extension) =>
    codingsOf(extension, ETHNIC_CATEGORY_ENGLAND_SYSTEM),
  )[0];
  return code !== undefined && Object.hasOwn(ETHNIC_GROUP_OF_CATEGORY, code) ? ETHNIC_GROUP_OF_CATEGORY[code] : null;
}

function genderIdentityOf(patient: Patient): EqualityFacts['genderIdentity'] {
  const code = extensionsOf(patient, GENDER_IDENTITY_EXTENSION).flatMap((extension) =>
    codingsOf(extension, GENDER_IDENTITY_SYSTEM),
  )[0];
  return GENDER_IDENTITIES.find((known) => known === code) ?? null;
}

function disabilityOf(patient: Patient): EqualityFacts['disability'] {
  const codes = extensionsOf(patient, DISABILITY_EXTENSION).flatMap((extension) =>
    codingsOf(extension, DISABILITY_SYSTEM),
  );
  if (codes.length === 0) return null;
  if (codes.some((code) => code !== 'none' && code !== 'not-stated')) return 'disabled';
  return codes.includes('none') ? 'not-disabled' : 'not-stated';
}

function communicationNeedsOf(patient: Patient): EqualityFacts['communicationNeeds'] {
  const interpreter = extensionsOf(patient, INTERPRETER_REQUIRED_EXTENSION)[0]?.valueBoolean;
  if (interpreter === true) return 'interpreter';
  const communication: unknown = patient.communication;
  const languages = (Array.isArray(communication) ? communication : []).flatMap(
    (each: { language?: { coding?: Coding[] } }) =>
      (Array.isArray(each?.language?.coding) ? each.language.coding : []).flatMap((coding) =>
        coding?.system === LANGUAGE_SYSTEM && typeof coding.code === 'string' ? [coding.code.toLowerCase()] : [],
      ),
  );
  if (languages.some((language) => language !== 'en' && !language.startsWith('en-'))) return 'other-language';
  return interpreter === false || languages.length > 0 ? 'none' : null;
}
