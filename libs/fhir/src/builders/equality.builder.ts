/**
 * Equality monitoring on the Patient (what the programme reports "irrespective of any protected
 * characteristics"): UK Core's ethnic category and interpreter-required extensions, R4's
 * gender identity and disability extensions, and `Patient.communication` for the preferred
 * language. The hub keeps them for its reporting; no flow delivers them unless it names them.
 */
import { DISABILITY_CODE_SYSTEM, DISABILITY_SYSTEM, type DisabilityCode } from '@cstr/contracts';
import type { Extension, PatientCommunication } from 'fhir/r4';

/** UK Core: the ethnic category of the person, as the person specifies it. */
export const ETHNIC_CATEGORY_EXTENSION = 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory';
/** The NHS Data Dictionary's ethnic categories (England), as UK Core publishes them. */
export const ETHNIC_CATEGORY_ENGLAND_SYSTEM = 'https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland';
/** R4 core (a UK Core Patient slice): the person needs an interpreter (valueBoolean). */
export const INTERPRETER_REQUIRED_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired';
/** R4 core: the person's gender identity (valueCodeableConcept). */
export const GENDER_IDENTITY_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/patient-genderIdentity';
/** HL7's gender identity codes. */
export const GENDER_IDENTITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/gender-identity';
/** R4 core: a disability the person declares (valueCodeableConcept, one per category). */
export const DISABILITY_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/patient-disability';
/** BCP-47 language tags (`Patient.communication.language`). */
export const LANGUAGE_SYSTEM = 'urn:ietf:bcp:47';

/** Every extension URL that carries an equality characteristic. */
export const EQUALITY_EXTENSIONS = [
  ETHNIC_CATEGORY_EXTENSION,
  GENDER_IDENTITY_EXTENSION,
  DISABILITY_EXTENSION,
  INTERPRETER_REQUIRED_EXTENSION,
] as const;

/** The ethnic categories (England) with their displays. */
export const ETHNIC_CATEGORIES: Readonly<Record<string, string>> = {
  A: 'White - British',
  B: 'White - Irish',
  C: 'White - Any other White background',
  D: 'Mixed - White and Black Caribbean',
  E: 'Mixed - White and Black African',
  F: 'Mixed - White and Asian',
  G: 'Mixed - Any other mixed background',
  H: 'Asian or Asian British - Indian',
  J: 'Asian or Asian British - Pakistani',
  K: 'Asian or Asian British - Bangladeshi',
  L: 'Asian or Asian British - Any other Asian background',
  M: 'Black or Black British - Caribbean',
  N: 'Black or Black British - African',
  P: 'Black or Black British - Any other Black background',
  R: 'Other Ethnic Groups - Chinese',
  S: 'Other Ethnic Groups - Any other ethnic group',
  Z: 'Not stated',
  '99': 'Not known',
};

/** HL7's gender identity codes. */
export const GENDER_IDENTITY_CODES = [
  'transgender-female',
  'transgender-male',
  'non-binary',
  'male',
  'female',
  'other',
  'non-disclose',
] as const;
/** One of {@link GENDER_IDENTITY_CODES}. */
export type GenderIdentityCode = (typeof GENDER_IDENTITY_CODES)[number];

/** What a partner recorded for equality monitoring; every field optional. */
export interface EqualityInput {
  /** An ethnic category (England) code of {@link ETHNIC_CATEGORIES}. */
  ethnicCategory?: string;
  genderIdentity?: GenderIdentityCode;
  /** Declared disabilities; `['none']` for none, `['not-stated']` when the person preferred not to say. */
  disabilities?: DisabilityCode[];
  interpreterRequired?: boolean;
  /** The preferred language, a BCP-47 tag (`pl`, `bfi` for British Sign Language). */
  language?: string;
}

function display(code: string): string | undefined {
  return DISABILITY_CODE_SYSTEM.concept.find((concept) => concept.code === code)?.display;
}

/** The Patient extensions of `equality`, in a stable order; none for an empty input. */
export function equalityExtensions(equality: EqualityInput | undefined): Extension[] {
  if (!equality) return [];
  const extensions: Extension[] = [];
  const { ethnicCategory, genderIdentity, disabilities, interpreterRequired } = equality;
  if (ethnicCategory !== undefined && Object.hasOwn(ETHNIC_CATEGORIES, ethnicCategory))
    extensions.push({
      url: ETHNIC_CATEGORY_EXTENSION,
      valueCodeableConcept: {
        coding: [
          { system: ETHNIC_CATEGORY_ENGLAND_SYSTEM, code: ethnicCategory, display: ETHNIC_CATEGORIES[ethnicCategory] },
        ],
      },
    });
  if (genderIdentity)
    extensions.push({
      url: GENDER_IDENTITY_EXTENSION,
      valueCodeableConcept: { coding: [{ system: GENDER_IDENTITY_SYSTEM, code: genderIdentity }] },
    });
  for (const code of [...new Set(disabilities ?? [])])
    extensions.push({
      url: DISABILITY_EXTENSION,
      valueCodeableConcept: { coding: [{ system: DISABILITY_SYSTEM, code, display: display(code) }] },
    });
  if (interpreterRequired !== undefined)
    extensions.push({ url: INTERPRETER_REQUIRED_EXTENSION, valueBoolean: interpreterRequired });
  return extensions;
}

/** `Patient.communication` for the preferred language, or undefined. */
export function equalityCommunication(equality: EqualityInput | undefined): PatientCommunication[] | undefined {
  const language = equality?.language;
  if (!language || !/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(language)) return undefined;
  return [{ language: { coding: [{ system: LANGUAGE_SYSTEM, code: language }] }, preferred: true }];
}
