/**
 * Equality monitoring as partners record it → {@link EqualityInput}: the L&D case system's form
 * fields, and a provider's (or PDS's) FHIR Patient extensions. An unknown code is a warning to the
 * sender and is left out: equality data never makes the hub refuse an event.
 */
import { DISABILITY_CODES, DISABILITY_SYSTEM, type DisabilityCode } from '@cstr/contracts';
import {
  DISABILITY_EXTENSION,
  ETHNIC_CATEGORIES,
  ETHNIC_CATEGORY_ENGLAND_SYSTEM,
  ETHNIC_CATEGORY_EXTENSION,
  GENDER_IDENTITY_CODES,
  GENDER_IDENTITY_EXTENSION,
  GENDER_IDENTITY_SYSTEM,
  INTERPRETER_REQUIRED_EXTENSION,
  LANGUAGE_SYSTEM,
  type EqualityInput,
  type GenderIdentityCode,
} from '../builders/equality.builder';
import { withoutUndefined } from './native-values';
import type { PayloadNode } from './payload-reader';

const LANGUAGE_TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/** A known code, or undefined with a warning naming the field. */
function known<T extends string>(
  node: PayloadNode,
  value: unknown,
  allowed: readonly T[],
  what: string,
): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  node.issues.warning('code-invalid', `Not a known ${what}: left out of the equality monitoring.`, node.path);
  return undefined;
}

function nonEmpty(input: EqualityInput): EqualityInput | undefined {
  const kept = withoutUndefined(input);
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/**
 * The L&D form's `person.equality`: `ethnicCategory` (NHS ethnic category, England), `genderIdentity`,
 * `disability` (a list of disability codes), `interpreterRequired`, `language` (BCP-47).
 */
export function readEqualityForm(node: PayloadNode): EqualityInput | undefined {
  const form = node.object({ required: false });
  if (!form) return undefined;
  const ethnic = form.get('ethnicCategory');
  const identity = form.get('genderIdentity');
  const language = form.get('language');
  const interpreter = form.get('interpreterRequired');
  return nonEmpty({
    ethnicCategory: known(ethnic, ethnic.value, Object.keys(ETHNIC_CATEGORIES), 'ethnic category'),
    genderIdentity: known<GenderIdentityCode>(identity, identity.value, GENDER_IDENTITY_CODES, 'gender identity'),
    disabilities: disabilityList(
      form
        .get('disability')
        .array({ required: false })
        .map((item) => known<DisabilityCode>(item, item.value, DISABILITY_CODES, 'disability')),
    ),
    interpreterRequired: typeof interpreter.value === 'boolean' ? interpreter.value : undefined,
    language: known(language, language.value, [...languageIf(language.value)], 'language tag'),
  });
}

function languageIf(value: unknown): string[] {
  return typeof value === 'string' && LANGUAGE_TAG.test(value) ? [value] : [];
}

function disabilityList(codes: (DisabilityCode | undefined)[]): DisabilityCode[] | undefined {
  const list = codes.filter((code): code is DisabilityCode => code !== undefined);
  return list.length > 0 ? list : undefined;
}

/** The codes of `system` in the extensions of `url` on a FHIR resource. */
function extensionCodes(resource: PayloadNode, url: string, system: string): PayloadNode[] {
  return resource
    .get('extension')
    .array({ required: false })
    .filter((extension) => extension.get('url').value === url)
    .flatMap((extension) => extension.get('valueCodeableConcept').get('coding').array({ required: false }))
    .filter((coding) => coding.get('system').value === system)
    .map((coding) => coding.get('code'));
}

/** Equality monitoring on a FHIR Patient (UK Core and R4 extensions, `communication`). */
export function readFhirEquality(patient: PayloadNode): EqualityInput | undefined {
  const ethnic = extensionCodes(patient, ETHNIC_CATEGORY_EXTENSION, ETHNIC_CATEGORY_ENGLAND_SYSTEM)[0];
  const identity = extensionCodes(patient, GENDER_IDENTITY_EXTENSION, GENDER_IDENTITY_SYSTEM)[0];
  const interpreter = patient
    .get('extension')
    .array({ required: false })
    .find((extension) => extension.get('url').value === INTERPRETER_REQUIRED_EXTENSION)
    ?.get('valueBoolean').value;
  const language = patient
    .get('communication')
    .array({ required: false })
    .flatMap((each) => each.get('language').get('coding').array({ required: false }))
    .find((coding) => coding.get('system').value === LANGUAGE_SYSTEM)
    ?.get('code');
  return nonEmpty({
    ethnicCategory: ethnic && known(ethnic, ethnic.value, Object.keys(ETHNIC_CATEGORIES), 'ethnic category'),
    genderIdentity: identity && known(identity, identity.value, GENDER_IDENTITY_CODES, 'gender identity'),
    disabilities: disabilityList(
      extensionCodes(patient, DISABILITY_EXTENSION, DISABILITY_SYSTEM).map((code) =>
        known(code, code.value, DISABILITY_CODES, 'disability'),
      ),
    ),
    interpreterRequired: typeof interpreter === 'boolean' ? interpreter : undefined,
    language: language && known(language, language.value, [...languageIf(language.value)], 'language tag'),
  });
}
