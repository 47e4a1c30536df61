/**
 * Public shapes of the person index: what goes into a resolve and what comes back.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@cstr/contracts';
import type { IdentifierKind } from '../identifier-result';

/** An identifier as `{ system, value }`, e.g. from a FHIR `Patient.identifier`. */
export interface PersonIdentifier {
  readonly system: string;
  readonly value: string;
}

/** A strong identifier after parsing: `value` is the normalised form the index stores. */
export interface StrongIdentifier extends PersonIdentifier {
  readonly kind: IdentifierKind;
}

/** The subject of an event: its identifiers and, when known, name and birth date. */
export interface PersonSubject {
  readonly identifiers: readonly PersonIdentifier[];
  readonly family?: string;
  /** Given names, as FHIR `HumanName.given` (an array) or one string. */
  readonly given?: string | readonly string[];
  /** FHIR `date`, `YYYY-MM-DD` (a partial date is not used for matching). */
  readonly birthDate?: string;
}

/** Who asks, and on what evidence. */
export interface ResolveContext {
  /** The event the subject came from (recorded with every change). */
  readonly sourceEventId: string;
  /**
   * True when the sender is trusted to say these identifiers belong together; only a trusted
   * event links new identifiers or merges persons.
   */
  readonly trusted: boolean;
  /** Who or what made the change, e.g. `hub` or a reviewer's user name. */
  readonly actor: string;
}

/** Who made a manual change, and why. */
export interface ChangeContext {
  readonly actor: string;
  readonly reason?: string;
  /** The event that prompted the change, if any. */
  readonly sourceEventId?: string;
}

/**
 * Identifiers that cannot all belong to one person: linking or merging would give one person two
 * different values of `system`. Nothing was linked or merged; a `conflict` record awaits review.
 */
export interface PersonIndexConflict {
  readonly system: string;
  /** The persons involved (the ones already holding a value of `system`, and the others). */
  readonly personIds: readonly string[];
}

/** A subject resolved to one person. */
export interface PersonResolution {
  readonly ok: true;
  /** The (live) person the subject is. */
  readonly personId: string;
  /** True when this resolve created the person. */
  readonly isNew: boolean;
  /** Identifiers newly attached to the person by this resolve. */
  readonly linked: readonly StrongIdentifier[];
  /** Persons merged into `personId` by this resolve. */
  readonly merged: readonly string[];
  /** Other persons with the same name and birth date (open possible matches); never linked. */
  readonly possibleMatches: readonly string[];
  /** Why some identifiers were neither linked nor merged (empty when there was no conflict). */
  readonly conflicts: readonly PersonIndexConflict[];
  /**
   * Valid subject identifiers that are not the resolved person's: unknown ones left unattached
   * (the event is untrusted, or it conflicts) and, when nothing was merged, another person's.
   */
  readonly notLinked: readonly StrongIdentifier[];
  /** Identifiers that were ignored because they are invalid or of an unknown system (warnings). */
  readonly issues: readonly OperationOutcomeIssue[];
  /** Every strong identifier the person holds after this resolve (normalised), the subject's and earlier ones. */
  readonly identifiers: readonly PersonIdentifier[];
}

/** A refusal: bad input or a state that does not allow the change, as an OperationOutcome. */
export interface PersonIndexRefusal {
  readonly ok: false;
  readonly outcome: OperationOutcome;
}

/** The result of {@link PersonIndex.resolve}. */
export type ResolveResult = PersonResolution | PersonIndexRefusal;

/** The actions recorded in a person's history. */
export type LinkAction = 'create' | 'link' | 'merge' | 'unlink' | 'possible-match' | 'conflict' | 'review';

/** One entry of a person's history (`person_link_record`). */
export interface LinkRecord {
  readonly id: string;
  readonly action: LinkAction;
  /** The person acted on (the survivor of a merge, the person an identifier left on unlink). */
  readonly personId: string;
  /** The other person: merged, created on unlink, possibly matching, or conflicting. */
  readonly relatedPersonId: string | null;
  readonly identifiers: readonly PersonIdentifier[];
  readonly sourceEventId: string | null;
  readonly actor: string;
  readonly reason: string;
  readonly at: Date;
}

/** Review state of a possible match. */
export type PossibleMatchStatus = 'open' | 'confirmed' | 'rejected';

/** Two persons with equal normalised name and birth date, awaiting (or after) review. */
export interface PossibleMatch {
  readonly id: string;
  /** The persons as recorded; {@link currentPersonA}/{@link currentPersonB} follow later merges. */
  readonly personA: string;
  readonly personB: string;
  readonly currentPersonA: string;
  readonly currentPersonB: string;
  readonly basis: 'name+birthDate';
  readonly status: PossibleMatchStatus;
  readonly sourceEventId: string | null;
  readonly createdAt: Date;
  readonly reviewedAt: Date | null;
  readonly reviewedBy: string | null;
}

/** A successful manual change. */
export interface PersonChange {
  readonly ok: true;
  /** The person acted on (after a merge, the survivor). */
  readonly personId: string;
  /** Set by unlink: the new person the identifier moved to. */
  readonly newPersonId?: string;
  /** False when nothing needed doing (e.g. the identifier was already linked to the person). */
  readonly changed: boolean;
}

/** The result of link, merge, unlink and review. */
export type PersonChangeResult = PersonChange | PersonIndexRefusal;
