/**
 * A PDS-style FHIR `Patient` → `gp.registration.checked`, and `gp.registration.changed` when
 * the practice differs from the one the hub knew (a change-of-GP signal, then a fetch).
 *
 * PDS: `generalPractitioner[0].identifier` is the practice's ODS code, with the registration
 * period on the identifier; no `generalPractitioner` means not registered; `meta.security`
 * code `R` marks a restricted record, whose address and GP are never disclosed — such a
 * patient gives `restricted: true` and no registration, whatever the payload holds.
 */
import type {
  GpRegistrationChangedInput,
  GpRegistrationCheckedInput,
  GpRegistrationInput,
  PeriodInput,
} from '../events/event-inputs';
import { ODS_ORGANIZATION_CODE_SYSTEM } from '../builders/hub-identifiers';
import { isRestricted, readFhirPatient } from './fhir-patient-reader';
import { envelopeFor, invalidPayload, mappedEvents, MapResult, MappingContext, neverThrows } from './map-result';
import { withoutUndefined, yearOf } from './native-values';
import { PayloadNode } from './payload-reader';

const ODS_CODE = /^[A-Z0-9]{3,10}$/;

/** What the adapter knew before a change-of-GP signal. */
export interface PreviousGpRegistration {
  /** The practice's ODS code. */
  readonly odsCode: string;
  /** The practice's name, when the adapter has it. */
  readonly name?: string;
  /** When that registration started (`YYYY-MM-DD`), when known. */
  readonly start?: string;
}

/** Options of {@link mapPdsPatient}. */
export interface PdsPatientMappingOptions {
  /**
   * The registration known before a change-of-GP signal. When given and the practice differs,
   * `gp.registration.changed` follows `gp.registration.checked`.
   */
  readonly previous?: PreviousGpRegistration;
}

/**
 * Maps a PDS Patient read (`GET Patient/{nhsNumber}`). Never throws: a malformed Patient (an
 * invalid NHS number, a GP without an ODS code, a bad date) gives `invalid` with FHIRPath-like
 * paths such as `Patient.identifier[0].value`.
 */
export function mapPdsPatient(
  json: unknown,
  context: MappingContext,
  options: PdsPatientMappingOptions = {},
): MapResult {
  return neverThrows(() => {
    const root = PayloadNode.root(json, 'Patient');
    const person = readFhirPatient(root, yearOf(context.receivedAt));
    const restricted = root.object({ required: false }) !== undefined && isRestricted(root);
    const registration = restricted ? undefined : readRegistration(root.get('generalPractitioner'));
    if (!person || root.issues.hasErrors) return invalidPayload(root.issues);

    if (person.identifiers.nhsNumber === undefined) {
      root.issues.error('required', 'A PDS Patient must carry its NHS number.', 'Patient.identifier');
      return invalidPayload(root.issues);
    }
    const checked: GpRegistrationCheckedInput = withoutUndefined({
      type: 'gp.registration.checked' as const,
      envelope: envelopeFor(context, context.receivedAt),
      person,
      checkedAt: context.receivedAt,
      registration,
    });
    const previous = options.previous;
    if (!previous || restricted || previous.odsCode === registration?.practice.code)
      return mappedEvents([checked], root.issues);

    const previousPeriod: PeriodInput | undefined = previous.start
      ? withoutUndefined({ start: previous.start, end: registration?.period.start })
      : undefined;
    const changed: GpRegistrationChangedInput = withoutUndefined({
      type: 'gp.registration.changed' as const,
      envelope: envelopeFor(context, context.receivedAt, checked.envelope.eventId),
      person,
      changedAt: registration?.period.start ?? context.receivedAt,
      registration,
      previous: previousPeriod
        ? { practice: { code: previous.odsCode, name: previous.name ?? previous.odsCode }, period: previousPeriod }
        : undefined,
    });
    return mappedEvents([checked, changed], root.issues);
  });
}

/** The current registration: the `generalPractitioner` whose period has not ended. */
function readRegistration(node: PayloadNode): GpRegistrationInput | undefined {
  const registrations: GpRegistrationInput[] = [];
  for (const item of node.array({ required: false })) {
    const reference = item.object();
    const identifier = reference?.get('identifier').object();
    if (!reference || !identifier) continue;
    const system = identifier.get('system');
    if (system.value !== undefined && system.value !== ODS_ORGANIZATION_CODE_SYSTEM) {
      identifier.issues.error(
        'code-invalid',
        `Must be the ODS organisation code system (${ODS_ORGANIZATION_CODE_SYSTEM}).`,
        system.path,
      );
      continue;
    }
    const valueNode = identifier.get('value');
    const code = valueNode.string();
    if (code && !ODS_CODE.test(code))
      identifier.issues.error('value', 'Must be an ODS code: 3 to 10 upper-case letters and digits.', valueNode.path);
    const period = identifier.get('period').object();
    const start = period?.get('start').isoDateOrDateTime();
    const end = period?.get('end').isoDateOrDateTime({ required: false });
    // PDS gives no practice name; the ODS code stands in until the hub looks the name up.
    const name = reference.get('display').string({ required: false }) ?? code;
    if (!code || !ODS_CODE.test(code) || !start || !name) continue;
    registrations.push({ practice: { code, name }, period: withoutUndefined({ start, end }) });
  }
  return registrations.find((r) => r.period.end === undefined);
}
