/**
 * The Liaison & Diversion case system's screening form → `ld.screening.completed` and
 * `consent.recorded`. The practitioner's notes stay in the L&D system: only the four need
 * flags (identified or not) and the consent decision leave it.
 */
import { parseCrn, parseCroNumber, parseNhsNumber, parsePncId } from '@cstr/identity';
import type {
  ConsentInput,
  ConsentRecordedInput,
  LdScreeningCompletedInput,
  OrganizationInput,
  PersonInput,
  PractitionerInput,
  ScreeningFlagKindInput,
} from '../events/event-inputs';
import { readEqualityForm } from './equality-readers';
import { envelopeFor, invalidPayload, mappedEvents, MapResult, MappingContext, neverThrows } from './map-result';
import { genderFrom, nameFromParts, withoutUndefined, yearOf } from './native-values';
import { PayloadNode } from './payload-reader';

/** The screening form as the L&D case system posts it. */
export interface LdScreeningForm {
  screeningId: string;
  /** The L&D service; the sending partner's organisation when absent. */
  service?: { odsCode: string; name: string };
  setting: 'custody' | 'court';
  location?: string;
  screenedAt: string;
  completedAt?: string;
  practitioner?: { staffId?: string; firstName?: string; lastName: string; role?: string };
  person: {
    nhsNumber?: string;
    nhsNumberVerified?: boolean;
    pncId?: string;
    croNumber?: string;
    crn?: string;
    firstName?: string;
    middleNames?: string;
    lastName: string;
    dateOfBirth: string;
    gender?: string;
    address?: { lines: string[]; postcode?: string };
    /** Equality monitoring, where the practitioner recorded it: for the hub's reporting only. */
    equality?: {
      ethnicCategory?: string;
      genderIdentity?: string;
      disability?: string[];
      interpreterRequired?: boolean;
      language?: string;
    };
  };
  needs: { mentalHealth: boolean; substanceMisuse: boolean; learningDisability: boolean; neurodevelopmental: boolean };
  /** Free text about the person: never leaves the L&D system. */
  notes?: string;
  consent: {
    decision: 'given' | 'refused';
    recordedAt: string;
    /** `YYYY-MM-DD`: the end of the consent period, when the service sets one. */
    validUntil?: string;
    scope: { partnerKind: string; organisation: { code: string; name: string }; purpose: string }[];
  };
}

const NEEDS: readonly { key: keyof LdScreeningForm['needs']; kind: ScreeningFlagKindInput }[] = [
  { key: 'mentalHealth', kind: 'mental-health' },
  { key: 'substanceMisuse', kind: 'substance-misuse' },
  { key: 'learningDisability', kind: 'learning-disability' },
  { key: 'neurodevelopmental', kind: 'neurodevelopmental' },
];

/**
 * `ld.screening.completed` for a screening form, followed by `consent.recorded` carrying the
 * same consent decision (given or refused), so the hub's consent state follows it. Never throws.
 */
export function mapLdScreening(json: unknown, context: MappingContext): MapResult {
  return neverThrows(() => {
    const root = PayloadNode.root(json, '$this');
    const form = root.object();
    if (!form) return invalidPayload(root.issues);
    const screeningId = form.get('screeningId').string();
    const service = readService(form.get('service'), context.senderOrganization);
    const setting = form.get('setting').oneOf(['custody', 'court'] as const);
    const locationName = form.get('location').string({ required: false });
    const start = form.get('screenedAt').isoDateTime();
    const end = form.get('completedAt').isoDateTime({ required: false });
    if (start && end && Date.parse(end) < Date.parse(start))
      root.issues.error('invariant', 'Must not be before screenedAt.', form.get('completedAt').path);
    const practitioner = form.get('practitioner').present ? readPractitioner(form.get('practitioner')) : undefined;
    const person = readPerson(form.get('person'), yearOf(context.receivedAt));
    const needs = form.get('needs').object();
    const flags = NEEDS.map(({ key, kind }) => ({ kind, identified: needs?.get(key).boolean() }));
    const consent = readConsent(form.get('consent'), screeningId);
    if (root.issues.hasErrors || !screeningId || !service || !setting || !start || !person || !consent)
      return invalidPayload(root.issues);

    const screening: LdScreeningCompletedInput = {
      type: 'ld.screening.completed',
      envelope: envelopeFor(context, end ?? start),
      person,
      screening: withoutUndefined({ id: screeningId, setting, locationName, start, end, practitioner, service }),
      flags: flags.map((flag) => ({ kind: flag.kind, identified: flag.identified === true })),
      consent,
    };
    const recorded: ConsentRecordedInput = {
      type: 'consent.recorded',
      envelope: envelopeFor(context, consent.dateTime, screening.envelope.eventId),
      person,
      consent,
    };
    return mappedEvents([screening, recorded], root.issues);
  });
}

function readService(node: PayloadNode, fallback: OrganizationInput): OrganizationInput | undefined {
  if (!node.present) return fallback;
  const service = node.object();
  const code = service?.get('odsCode').string();
  const name = service?.get('name').string();
  return code && name ? { code, name } : undefined;
}

function readPractitioner(node: PayloadNode): PractitionerInput | undefined {
  const practitioner = node.object();
  if (!practitioner) return undefined;
  const id = practitioner.get('staffId').string({ required: false });
  const family = practitioner.get('lastName').string();
  const given = practitioner.get('firstName').string({ required: false });
  const role = practitioner.get('role').string({ required: false });
  return family ? withoutUndefined({ id, name: nameFromParts(family, [given]), role }) : undefined;
}

function readPerson(node: PayloadNode, referenceYear: number | undefined): PersonInput | undefined {
  const person = node.object();
  if (!person) return undefined;
  const nhsNumber = person.get('nhsNumber').identifier(parseNhsNumber, { required: false });
  const nhsNumberVerified = person.get('nhsNumberVerified').boolean({ required: false });
  const pncId = person.get('pncId').identifier((value) => parsePncId(value, { referenceYear }), { required: false });
  const croNumber = person.get('croNumber').identifier(parseCroNumber, { required: false });
  const crn = person.get('crn').identifier(parseCrn, { required: false });
  const family = person.get('lastName').string();
  const given = [
    person.get('firstName').string({ required: false }),
    ...(person.get('middleNames').string({ required: false })?.split(/\s+/) ?? []),
  ];
  const birthDate = person.get('dateOfBirth').isoDate();
  const gender = genderFrom(person.get('gender').string({ required: false }));
  const addressNode = person.get('address').object({ required: false });
  const lines = addressNode
    ?.get('lines')
    .array()
    .map((line) => line.string())
    .filter((line): line is string => line !== undefined);
  const postalCode = addressNode?.get('postcode').string({ required: false });
  if (!family || !birthDate) return undefined;
  return withoutUndefined({
    identifiers: withoutUndefined({
      nhsNumber,
      nhsNumberVerified: nhsNumber ? nhsNumberVerified : undefined,
      pncId,
      croNumber,
      crn,
    }),
    name: nameFromParts(family, given),
    birthDate,
    gender,
    address:
      lines && lines.length > 0 ? withoutUndefined({ line: lines, postalCode, use: 'home' as const }) : undefined,
    equality: readEqualityForm(person.get('equality')),
  });
}

function readConsent(node: PayloadNode, screeningId: string | undefined): ConsentInput | undefined {
  const consent = node.object();
  if (!consent) return undefined;
  const decision = consent.get('decision').oneOf(['given', 'refused'] as const);
  const dateTime = consent.get('recordedAt').isoDateTime();
  const validUntil = consent.get('validUntil').isoDate({ required: false });
  const scope = consent
    .get('scope')
    .array({ minItems: 1 })
    .map((item) => item.object())
    .map((item) => ({
      purpose: item?.get('purpose').string(),
      code: item?.get('organisation').object()?.get('code').string(),
      name: item?.get('organisation').object()?.get('name').string(),
    }));
  if (!decision || !dateTime || scope.some((s) => !s.purpose || !s.code || !s.name)) return undefined;
  const actors = new Map(scope.map((s) => [s.code as string, { code: s.code as string, name: s.name as string }]));
  return withoutUndefined<ConsentInput>({
    id: screeningId ? `${screeningId}-consent` : undefined,
    status: decision === 'given' ? 'active' : 'rejected',
    dateTime,
    purposes: [...new Set(scope.map((s) => s.purpose as string))],
    actors: [...actors.values()],
    period: decision === 'given' ? withoutUndefined({ start: dateTime, end: validUntil }) : undefined,
  });
}
