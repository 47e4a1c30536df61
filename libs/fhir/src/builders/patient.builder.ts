/**
 * UKCore-Patient from a {@link PersonInput}: every identifier normalised through `@cstr/identity`
 * (a bad one is an OperationOutcome issue, never an exception), the NHS number with its
 * verification status, and the restricted-record security label.
 */
import { operationOutcomeOf, type OperationOutcomeIssue } from '@cstr/contracts';
import {
  COMMON_PLATFORM_DEFENDANT_ID_SYSTEM,
  CRN_SYSTEM,
  CRO_NUMBER_SYSTEM,
  identifierIssue,
  NHS_NUMBER_SYSTEM,
  parseCommonPlatformDefendantId,
  parseCrn,
  parseCroNumber,
  parseNhsNumber,
  parsePncId,
  PNC_ID_SYSTEM,
  type IdentifierResult,
} from '@cstr/identity';
import type { Identifier, Patient, Reference } from 'fhir/r4';
import type { PersonIdentifiersInput, PersonInput } from '../events/event-inputs';
import type { BuildResult } from './build-result';
import { RESTRICTED_SECURITY_LABEL } from './codings';
import { equalityCommunication, equalityExtensions } from './equality.builder';
import { ukCoreResource } from './profiled-resource';
import { NHS_NUMBER_VERIFICATION_STATUS_EXTENSION, NHS_NUMBER_VERIFICATION_STATUS_SYSTEM } from './uk-core-profiles';

/** Options of {@link buildPatient} and {@link personIdentifiers}. */
export interface PatientBuildOptions {
  /** Where the person sits in the caller's input, for issue paths; default `person`. */
  readonly expression?: string;
  /** Year against which a two-digit PNC year is expanded; pass the event's year for repeatable output. */
  readonly referenceYear?: number;
  /** References to the registered GP practice (current first). */
  readonly generalPractitioner?: Reference[];
  /** When the record was last read or changed at its source (ISO 8601 instant), as `meta.lastUpdated`. */
  readonly lastUpdated?: string;
}

/** The verification status coding for a verified (`01`) or a present but untraced (`02`) NHS number. */
function verificationStatus(verified: boolean | undefined): Identifier['extension'] {
  const [code, display] = verified ? ['01', 'Number present and verified'] : ['02', 'Number present but not traced'];
  return [
    {
      url: NHS_NUMBER_VERIFICATION_STATUS_EXTENSION,
      valueCodeableConcept: { coding: [{ system: NHS_NUMBER_VERIFICATION_STATUS_SYSTEM, code, display }] },
    },
  ];
}

/**
 * FHIR identifiers for every identifier given, normalised (NHS number first); each bad one is an
 * error issue naming its input path, and no identifier at all is an error too.
 */
export function personIdentifiers(
  input: PersonIdentifiersInput,
  options: PatientBuildOptions = {},
): { identifiers: Identifier[]; issues: OperationOutcomeIssue[] } {
  const at = `${options.expression ?? 'person'}.identifiers`;
  const identifiers: Identifier[] = [];
  const issues: OperationOutcomeIssue[] = [];
  const add = (
    field: keyof PersonIdentifiersInput,
    raw: string | undefined,
    parse: (value: string) => IdentifierResult,
    system: string,
    extra: Partial<Identifier> = {},
  ) => {
    if (raw === undefined) return;
    const parsed = parse(raw);
    if (parsed.ok) identifiers.push({ ...extra, system, value: parsed.value });
    else issues.push(identifierIssue(parsed, `${at}.${field}`));
  };
  add('nhsNumber', input.nhsNumber, parseNhsNumber, NHS_NUMBER_SYSTEM, {
    extension: verificationStatus(input.nhsNumberVerified),
    use: 'official',
  });
  add('crn', input.crn, parseCrn, CRN_SYSTEM);
  add('pncId', input.pncId, (value) => parsePncId(value, { referenceYear: options.referenceYear }), PNC_ID_SYSTEM);
  add('croNumber', input.croNumber, parseCroNumber, CRO_NUMBER_SYSTEM);
  add(
    'commonPlatformDefendantId',
    input.commonPlatformDefendantId,
    parseCommonPlatformDefendantId,
    COMMON_PLATFORM_DEFENDANT_ID_SYSTEM,
  );
  if (identifiers.length === 0 && issues.length === 0) {
    issues.push({
      severity: 'error',
      code: 'required',
      diagnostics:
        'The person needs at least one identifier (NHS number, CRN, PNC ID, CRO number or Common Platform defendant id).',
      expression: [at],
    });
  }
  return { identifiers, issues };
}

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

/** UKCore-Patient for `person`, or an OperationOutcome listing every problem with it. */
export function buildPatient(id: string, person: PersonInput, options: PatientBuildOptions = {}): BuildResult<Patient> {
  const at = options.expression ?? 'person';
  const { identifiers, issues } = personIdentifiers(person.identifiers, options);
  if (!DATE.test(person.birthDate)) {
    issues.push({
      severity: 'error',
      code: 'value',
      diagnostics: 'Birth date must be a date YYYY-MM-DD.',
      expression: [`${at}.birthDate`],
    });
  }
  if (person.name.family.trim() === '' && person.name.given.every((given) => given.trim() === '')) {
    issues.push({
      severity: 'error',
      code: 'required',
      diagnostics: 'The person needs a family or a given name.',
      expression: [`${at}.name`],
    });
  }
  if (issues.length > 0) return { ok: false, outcome: operationOutcomeOf(issues) };

  const { family, given, prefix } = person.name;
  const extension = equalityExtensions(person.equality);
  const communication = equalityCommunication(person.equality);
  const patient = ukCoreResource<Patient>('Patient', id, {
    ...(person.restricted || options.lastUpdated
      ? {
          meta: {
            ...(options.lastUpdated ? { lastUpdated: options.lastUpdated } : {}),
            ...(person.restricted ? { security: [RESTRICTED_SECURITY_LABEL] } : {}),
          },
        }
      : {}),
    ...(extension.length > 0 ? { extension } : {}),
    identifier: identifiers,
    name: [{ use: 'official', family, given, ...(prefix?.length ? { prefix } : {}) }],
    gender: person.gender,
    birthDate: person.birthDate,
    ...(person.address
      ? {
          address: [
            {
              use: person.address.use ?? 'home',
              line: person.address.line,
              ...(person.address.city ? { city: person.address.city } : {}),
              ...(person.address.district ? { district: person.address.district } : {}),
              ...(person.address.postalCode ? { postalCode: person.address.postalCode } : {}),
            },
          ],
        }
      : {}),
    ...(communication ? { communication } : {}),
    ...(options.generalPractitioner?.length ? { generalPractitioner: options.generalPractitioner } : {}),
  });
  return { ok: true, resource: patient };
}
