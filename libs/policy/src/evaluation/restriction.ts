/**
 * Restriction as a fact about the person (SPEC §5): once any event carries PDS's restricted (`R`)
 * or very restricted (`V`) security label, the hub remembers it, and every later event of that
 * person, from any sender, loses the address, telecom and GP in every copy (the redaction takes
 * them out whatever a flow allows). Only the GP registration service (PDS) lifts it, by a
 * registration event without the label. Pure.
 */
import type { EventType } from '@cstr/contracts';
import { RESTRICTED_SECURITY_LABEL, asArray, isObject } from '@cstr/fhir';
import type { Patient } from 'fhir/r4';
import type { Sender } from '../partners/partner';

/** How restricted a record is: PDS `R` (restricted) or `V` (very restricted). */
export type RestrictionLevel = 'R' | 'V';

/** What the hub remembers of a person's restriction. */
export interface RestrictionState {
  /** Undefined when the person is not restricted. */
  readonly level?: RestrictionLevel;
  /** The event that last set it. */
  readonly setBy?: string;
  /** The partner that sent that event. */
  readonly setBySender?: string;
}

/** A person never marked restricted. */
export const NOT_RESTRICTED: RestrictionState = {};

/** Elements of a restricted person's Patient never disclosed, whoever sends them and whatever a flow says. */
export const RESTRICTED_PATIENT_ELEMENTS = ['address', 'telecom', 'generalPractitioner'] as const;

const LEVEL_ORDER: Readonly<Record<RestrictionLevel, number>> = { R: 1, V: 2 };

/** The PDS restriction label a Patient carries (v3-Confidentiality `R` or `V` in `meta.security`), if any. */
export function restrictionLabelOf(patient: Patient | undefined): RestrictionLevel | undefined {
  let level: RestrictionLevel | undefined;
  for (const label of asArray(patient?.meta?.security)) {
    if (!isObject(label) || label.system !== RESTRICTED_SECURITY_LABEL.system) continue;
    const code = typeof label.code === 'string' ? label.code.toUpperCase() : '';
    if ((code === 'R' || code === 'V') && (level === undefined || LEVEL_ORDER[code] > LEVEL_ORDER[level])) level = code;
  }
  return level;
}

/** True for a PDS restricted or very restricted record. */
export function isRestrictedPatient(patient: Patient | undefined): boolean {
  return restrictionLabelOf(patient) !== undefined;
}

const GP_REGISTRATION_EVENTS: ReadonlySet<EventType> = new Set(['gp.registration.checked', 'gp.registration.changed']);

/**
 * The person's restriction after one more event: a label from any sender restricts (the stricter
 * level wins, except that the GP registration service states the current level); a GP
 * registration event from a `gp` partner without a label lifts it; anything else keeps it.
 */
export function updateRestriction(
  state: RestrictionState,
  event: { readonly eventType: EventType; readonly eventId?: string },
  sender: Sender,
  patient: Patient | undefined,
): RestrictionState {
  const label = restrictionLabelOf(patient);
  const fromPds = sender.kind === 'gp' && GP_REGISTRATION_EVENTS.has(event.eventType);
  if (label === undefined) return fromPds ? NOT_RESTRICTED : state;
  const level =
    fromPds || state.level === undefined || LEVEL_ORDER[label] > LEVEL_ORDER[state.level] ? label : state.level;
  if (level === state.level) return state;
  return { level, ...(event.eventId ? { setBy: event.eventId } : {}), setBySender: sender.id };
}

/** The union of two persons' restrictions (the person index merged them): the stricter level stays. */
export function mergeRestrictions(survivor: RestrictionState, merged: RestrictionState): RestrictionState {
  if (merged.level === undefined) return survivor;
  if (survivor.level === undefined || LEVEL_ORDER[merged.level] > LEVEL_ORDER[survivor.level]) return merged;
  return survivor;
}
