/**
 * What the person index checks before it touches the database (contexts, ids, identifiers), and
 * the refusals it answers with: OperationOutcomes naming the field at fault.
 */
import { operationOutcome, operationOutcomeOf, type IssueType, type OperationOutcomeIssue } from '@cstr/contracts';
import type { IdentifierKind } from '../identifier-result';
import { identifierKindForSystem } from '../parse-identifier';
import type { ChangeContext, PersonIndexRefusal, ResolveContext, StrongIdentifier } from './person-index.types';
import { readIdentifier } from './subject-identifiers';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const KIND_LABELS: Readonly<Record<IdentifierKind, string>> = {
  'nhs-number': 'NHS number',
  crn: 'CRN',
  'pnc-id': 'PNC ID',
  'cro-number': 'CRO number',
  'common-platform-defendant-id': 'Common Platform defendant id',
};

/** A person as locked for a change: whether it exists and is live. */
export interface LockedPerson {
  readonly id: string;
  readonly merged_into: string | null;
}

/** Whether `id` can be a person or possible-match id (a UUID); anything else is unknown to the index. */
export function isUuid(id: unknown): id is string {
  return typeof id === 'string' && UUID.test(id);
}

/** A refusal with one error issue. */
export function refusal(code: IssueType, diagnostics: string, expression?: string[]): PersonIndexRefusal {
  return { ok: false, outcome: operationOutcome('error', code, diagnostics, expression) };
}

/** The refusal of a subject with no valid strong identifier, with the issues of the invalid ones. */
export function noStrongIdentifier(issues: readonly OperationOutcomeIssue[]): PersonIndexRefusal {
  const issue: OperationOutcomeIssue = {
    severity: 'error',
    code: 'required',
    diagnostics:
      'The subject has no valid NHS number, CRN, PNC ID, CRO number or Common Platform defendant id, so it cannot be resolved to a person.',
    expression: ['Patient.identifier'],
  };
  return { ok: false, outcome: operationOutcomeOf([issue, ...issues]) };
}

/** The identifier of a manual change, parsed and normalised, or its refusal. */
export function parseOne(identifier: unknown): { ok: true; identifier: StrongIdentifier } | PersonIndexRefusal {
  const read = readIdentifier(identifier, 'identifier');
  return read.ok ? read : { ok: false, outcome: operationOutcomeOf([read.issue]) };
}

/** What is wrong with a resolve context, or undefined. */
export function resolveContextProblem(context: unknown): string | undefined {
  if (!isObject(context)) return 'A resolve needs a context: sourceEventId, trusted and actor.';
  const { sourceEventId, trusted, actor } = context as Partial<ResolveContext>;
  if (typeof sourceEventId !== 'string' || sourceEventId === '') return 'The resolve context has no sourceEventId.';
  if (typeof trusted !== 'boolean') return 'The resolve context must say whether the event is trusted.';
  if (typeof actor !== 'string' || actor === '') return 'The resolve context has no actor.';
  return undefined;
}

/** The refusal of a manual change without an actor or with ids that are not UUIDs, or undefined. */
export function checkChange(context: unknown, ids: readonly string[]): PersonIndexRefusal | undefined {
  const actor = isObject(context) ? (context as Partial<ChangeContext>).actor : undefined;
  if (typeof actor !== 'string' || actor === '') {
    return refusal('required', 'A change needs an actor: who made it.', ['context.actor']);
  }
  if (!ids.every(isUuid)) return refusal('value', 'Person and possible-match ids are UUIDs.');
  return undefined;
}

/** The refusal of a change to a person that does not exist or was merged into another, or undefined. */
export function notLive(person: LockedPerson | undefined, field: string): PersonIndexRefusal | undefined {
  if (!person) return refusal('not-found', 'There is no such person.', [field]);
  if (person.merged_into)
    return refusal('processing', `The person was merged into ${person.merged_into}; act on that person instead.`, [
      field,
    ]);
  return undefined;
}

/** How an identifier is named to people ("NHS number", "CRN", …). */
export function labelOf(identifier: StrongIdentifier): string {
  return KIND_LABELS[identifier.kind];
}

/** How the identifiers of a system are named to people; the system itself when unknown. */
export function labelOfSystem(system: string): string {
  const kind = identifierKindForSystem(system);
  return kind ? KIND_LABELS[kind] : system;
}

export function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
