/**
 * Reading a partner's FHIR R4 `Patient` (PDS, or a treatment provider's own server) into the
 * event person, checking every identifier the hub knows with its `@cstr/identity` parser.
 */
import {
  COMMON_PLATFORM_DEFENDANT_ID_SYSTEM,
  CRN_SYSTEM,
  CRO_NUMBER_SYSTEM,
  NHS_NUMBER_SYSTEM,
  parseCommonPlatformDefendantId,
  parseCrn,
  parseCroNumber,
  parseNhsNumber,
  parsePncId,
  PNC_ID_SYSTEM,
} from '@cstr/identity';
import type { AddressInput, GenderInput, PersonIdentifiersInput, PersonInput } from '../events/event-inputs';
import { readFhirEquality } from './equality-readers';
import { nameFromParts, withoutUndefined } from './native-values';
import type { PayloadNode } from './payload-reader';

/** The UK Core extension carrying the NHS number verification status. */
export const NHS_NUMBER_VERIFICATION_STATUS_URL =
  'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus';
/** `01` = number present and verified (UKCore-NHSNumberVerificationStatusEngland). */
const VERIFIED = '01';
/** HL7 v3 Confidentiality; PDS marks restricted (S-flagged) records with code `R`. */
export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';

const FHIR_GENDERS: readonly GenderInput[] = ['male', 'female', 'other', 'unknown'];

/** True when the resource's `meta.security` carries the restricted label (`R`). */
export function isRestricted(resource: PayloadNode): boolean {
  return resource
    .get('meta')
    .get('security')
    .array({ required: false })
    .some(
      (label) =>
        label.get('code').value === 'R' &&
        (label.get('system').value === undefined || label.get('system').value === CONFIDENTIALITY_SYSTEM),
    );
}

/**
 * The person a FHIR Patient describes. A restricted patient's address is never read.
 * `birthDate` and a family name are required (the event person needs them).
 */
export function readFhirPatient(node: PayloadNode, referenceYear: number | undefined): PersonInput | undefined {
  const patient = node.object();
  if (!patient) return undefined;
  const resourceType = patient.get('resourceType');
  if (resourceType.value !== 'Patient') patient.issues.error('invalid', "Must be 'Patient'.", resourceType.path);
  const identifiers = readIdentifiers(patient.get('identifier'), referenceYear);
  const names = patient.get('name').array({ minItems: 1 });
  const chosen =
    names.find((n) => n.get('use').value === 'usual') ??
    names.find((n) => n.get('use').value === 'official') ??
    names.find((n) => n.get('use').value !== 'old') ??
    names[0];
  const nameNode = chosen?.object();
  const family = nameNode?.get('family').string();
  const given =
    nameNode
      ?.get('given')
      .array({ required: false })
      .map((g) => g.string()) ?? [];
  const prefix = nameNode?.get('prefix').array({ required: false })[0]?.string();
  const birthDate = patient.get('birthDate').isoDate();
  const gender = patient.get('gender').oneOf(FHIR_GENDERS, { required: false }) ?? 'unknown';
  const restricted = isRestricted(patient);
  const address = restricted ? undefined : readHomeAddress(patient.get('address'));
  if (!family || !birthDate || !identifiers) return undefined;
  return withoutUndefined({
    identifiers,
    name: nameFromParts(family, given, prefix),
    birthDate,
    gender,
    address,
    restricted: restricted || undefined,
    equality: readFhirEquality(patient),
  });
}

function readIdentifiers(node: PayloadNode, referenceYear: number | undefined): PersonIdentifiersInput | undefined {
  const identifiers: PersonIdentifiersInput = {};
  for (const item of node.array({ required: false })) {
    const identifier = item.object();
    if (!identifier) continue;
    const value = identifier.get('value');
    switch (identifier.get('system').value) {
      case NHS_NUMBER_SYSTEM: {
        identifiers.nhsNumber = value.identifier(parseNhsNumber);
        const status = identifier
          .get('extension')
          .array({ required: false })
          .find((extension) => extension.get('url').value === NHS_NUMBER_VERIFICATION_STATUS_URL);
        const code = status?.get('valueCodeableConcept').get('coding').array({ required: false })[0]?.get('code').value;
        if (identifiers.nhsNumber) identifiers.nhsNumberVerified = code === VERIFIED;
        break;
      }
      case CRN_SYSTEM:
        identifiers.crn = value.identifier(parseCrn);
        break;
      case PNC_ID_SYSTEM:
        identifiers.pncId = value.identifier((v) => parsePncId(v, { referenceYear }));
        break;
      case CRO_NUMBER_SYSTEM:
        identifiers.croNumber = value.identifier(parseCroNumber);
        break;
      case COMMON_PLATFORM_DEFENDANT_ID_SYSTEM:
        identifiers.commonPlatformDefendantId = value.identifier(parseCommonPlatformDefendantId);
        break;
      default:
        // Local identifiers (the provider's own MRN, say) mean nothing to other partners.
        break;
    }
  }
  const known = withoutUndefined(identifiers);
  if (!known.nhsNumber && !known.crn && !known.pncId && !known.croNumber && !known.commonPlatformDefendantId) {
    if (!node.issues.hasErrors)
      node.issues.error(
        'required',
        'Must carry at least one identifier the hub knows (NHS number, CRN, PNC ID, CRO number).',
        node.path,
      );
    return undefined;
  }
  return known;
}

function readHomeAddress(node: PayloadNode): AddressInput | undefined {
  const addresses = node.array({ required: false });
  const home =
    addresses.find((a) => a.get('use').value === 'home') ?? addresses.find((a) => a.get('use').value !== 'old');
  const address = home?.object();
  if (!address) return undefined;
  const line = address
    .get('line')
    .array({ required: false })
    .map((l) => l.string())
    .filter((l): l is string => l !== undefined);
  const city = address.get('city').string({ required: false });
  const district = address.get('district').string({ required: false });
  const postalCode = address.get('postalCode').string({ required: false });
  if (line.length === 0 && !postalCode) return undefined;
  return withoutUndefined({ line, city, district, postalCode, use: 'home' as const });
}
