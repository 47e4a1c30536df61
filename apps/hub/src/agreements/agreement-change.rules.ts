/**
 * The rules of agreement change control, as pure functions: a version is proposed by one IG
 * lead and takes effect only once a second, different IG lead approves it — at once, or on its
 * start date when that is later. A rejected version never takes effect.
 */

/** Where a stored version of an agreement is in its life. */
export const VERSION_STATES = ['proposed', 'approved', 'rejected', 'in-force', 'superseded'] as const;

/** One state of {@link VERSION_STATES}. */
export type VersionState = (typeof VERSION_STATES)[number];

/** What the rules look at of a stored version. */
export interface VersionFacts {
  readonly agreementId: string;
  readonly version: number;
  readonly state: VersionState;
  readonly proposedBy: string;
  /** The agreement's `period.start` (`YYYY-MM-DD`): it cannot take effect before that day. */
  readonly start: string;
}

/** Why a change is refused: an HTTP status and a sentence an IG lead can act on. */
export interface ChangeRefusal {
  readonly status: 403 | 409;
  readonly code: 'forbidden' | 'conflict';
  readonly reason: string;
}

/** `YYYY-MM-DD` of `now` in UTC: agreement periods are dates. */
export function dayOf(now: Date): string {
  return now.toISOString().slice(0, 10);
}

function name(facts: VersionFacts): string {
  return `Agreement ${facts.agreementId} version ${facts.version}`;
}

/** Why `facts` cannot be decided (approved or rejected) now: it is no longer a proposal. */
function notProposed(facts: VersionFacts): ChangeRefusal | undefined {
  if (facts.state === 'proposed') return undefined;
  return { status: 409, code: 'conflict', reason: `${name(facts)} is ${facts.state}: only a proposal can be decided.` };
}

/**
 * Why `approver` may not approve `facts`, or undefined when they may (four eyes: never the
 * proposer; and never over a later version put in force meanwhile, e.g. by a file import).
 */
export function approvalRefusal(
  facts: VersionFacts,
  approver: string,
  inForceVersion?: number,
): ChangeRefusal | undefined {
  const decided = notProposed(facts);
  if (decided) return decided;
  if (inForceVersion !== undefined && inForceVersion > facts.version)
    return {
      status: 409,
      code: 'conflict',
      reason: `${name(facts)} is older than version ${inForceVersion}, in force since it was proposed: propose anew.`,
    };
  if (approver === facts.proposedBy)
    return {
      status: 403,
      code: 'forbidden',
      reason: `${name(facts)} was proposed by ${approver}: a second, different IG lead must approve it.`,
    };
  return undefined;
}

/** Why `facts` cannot be rejected, or undefined when it can (any IG lead, the proposer too, withdraws a proposal). */
export function rejectionRefusal(facts: VersionFacts): ChangeRefusal | undefined {
  return notProposed(facts);
}

/** The state an approved version enters at `now`: in force, or approved until its start date. */
export function stateOnApproval(facts: Pick<VersionFacts, 'start'>, now: Date): 'in-force' | 'approved' {
  return facts.start <= dayOf(now) ? 'in-force' : 'approved';
}

/** True when `facts` takes effect at `now`: approved by a second IG lead, and its start date reached. */
export function isDue(facts: Pick<VersionFacts, 'state' | 'start'>, now: Date): boolean {
  return facts.state === 'approved' && facts.start <= dayOf(now);
}

/**
 * Why a new version cannot be proposed, or undefined: its number must be above every stored
 * version of the agreement (versions are never reused), and only one proposal of an agreement
 * waits at a time.
 */
export function proposalRefusal(
  proposed: { readonly id: string; readonly version: number },
  stored: readonly Pick<VersionFacts, 'version' | 'state'>[],
): ChangeRefusal | undefined {
  const highest = Math.max(0, ...stored.map((each) => each.version));
  if (proposed.version <= highest)
    return {
      status: 409,
      code: 'conflict',
      reason: `Agreement ${proposed.id} already has version ${highest}: propose version ${highest + 1} or later.`,
    };
  const waiting = stored.find((each) => each.state === 'proposed' || each.state === 'approved');
  if (waiting)
    return {
      status: 409,
      code: 'conflict',
      reason: `Agreement ${proposed.id} version ${waiting.version} is ${waiting.state} and not yet in force: decide it first.`,
    };
  return undefined;
}
