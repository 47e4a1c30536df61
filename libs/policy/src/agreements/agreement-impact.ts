import { isEventType } from '@cstr/contracts';
import { agreementNotInForce } from '../evaluation/evaluate';
import type { Partner, Sender } from '../partners/partner';
import { selectorMatches, type Agreement, type Flow } from './agreement';
import { sharedElements } from './agreement-diff';

/**
 * What the audit keeps of one past decision, enough to re-evaluate it under other agreements
 * without the message itself: who sent which event type to whom, how it ended, and whether a
 * consent was relied on. No personal data.
 */
export interface PastDecision {
  readonly eventType: string;
  readonly sender: string;
  readonly recipient: string;
  readonly outcome: 'delivered' | 'refused';
  readonly refusingRule?: string;
  /** A consent was in force and relied on (a delivery under a `consent: required` flow). */
  readonly consentRelied: boolean;
}

/**
 * Refusals the agreements did not decide (the recipient was not connected or not addressed, the
 * message was invalid, or nothing of it survived redaction): another version cannot change them.
 */
const NOT_DECIDED_BY_AGREEMENTS = new Set(['not-connected', 'not-addressed', 'invalid-message', 'nothing-to-share']);

/** Disclosures gained and lost for one flow and recipient, in total (`element` absent) or of one element. */
export interface ImpactCount {
  readonly agreementId: string;
  readonly flowId: string;
  readonly recipient: string;
  /** `Type.element`; absent on the row counting whole disclosures. */
  readonly element?: string;
  readonly gained: number;
  readonly lost: number;
}

/** The impact of a proposed version on past decisions: counts only, never a person. */
export interface DisclosureImpact {
  /** Decisions looked at. */
  readonly decisions: number;
  /** Decisions another version could change (the others were refused for reasons of their own). */
  readonly reevaluated: number;
  /** Decisions whose disclosure or elements differ. */
  readonly changed: number;
  readonly counts: readonly ImpactCount[];
}

/** Where a re-evaluated decision would be disclosed: the agreement and flow. */
interface Disclosure {
  readonly agreement: Agreement;
  readonly flow: Flow;
}

/** How to find the parties of a past decision. */
export interface ImpactParties {
  sender(id: string): Sender | undefined;
  partner(id: string): Partner | undefined;
}

/**
 * The flow that would disclose a past decision under `agreements` at `now`, as the evaluator
 * picks it (the first flow of an agreement in force for the event, sender and recipient whose
 * consent condition holds); undefined when none would. A consent counts only where the audit
 * shows one was relied on.
 */
export function disclosureUnder(
  decision: PastDecision,
  agreements: readonly Agreement[],
  parties: ImpactParties,
  now: Date,
): Disclosure | undefined {
  const sender = parties.sender(decision.sender);
  const recipient = parties.partner(decision.recipient);
  if (!sender || !recipient || !isEventType(decision.eventType) || sender.id === recipient.id) return undefined;
  const eventType = decision.eventType;
  for (const agreement of agreements) {
    if (agreementNotInForce(agreement, now) !== undefined) continue;
    const flow = agreement.flows.find(
      (each) =>
        each.events.includes(eventType) &&
        selectorMatches(each.from, sender) &&
        selectorMatches(each.to, recipient) &&
        (each.consent === 'not-required' || decision.consentRelied),
    );
    if (flow) return { agreement, flow };
  }
  return undefined;
}

/** The agreements with `proposed` in place of the version of the same id (or added). */
export function withProposed(current: readonly Agreement[], proposed: Agreement): Agreement[] {
  const replaced = current.map((agreement) => (agreement.id === proposed.id ? proposed : agreement));
  return replaced.some((agreement) => agreement === proposed) ? replaced : [...replaced, proposed];
}

class ImpactTally {
  private readonly rows = new Map<string, { -readonly [K in keyof ImpactCount]: ImpactCount[K] }>();

  add(at: Disclosure, recipient: string, element: string | undefined, side: 'gained' | 'lost'): void {
    const key = JSON.stringify([at.agreement.id, at.flow.id, recipient, element ?? '']);
    const row = this.rows.get(key) ?? {
      agreementId: at.agreement.id,
      flowId: at.flow.id,
      recipient,
      ...(element !== undefined ? { element } : {}),
      gained: 0,
      lost: 0,
    };
    row[side]++;
    this.rows.set(key, row);
  }

  counts(): ImpactCount[] {
    const order = (row: ImpactCount) => [row.agreementId, row.flowId, row.recipient, row.element ?? ''].join('\u0000');
    return [...this.rows.values()].sort((a, b) => order(a).localeCompare(order(b)));
  }
}

/**
 * Re-evaluates past decisions under the agreements in force (`current`) and under the same set
 * with `proposed` in its version's place, and counts the disclosures gained and lost per flow and
 * recipient, and the elements gained and lost with them. The proposal is judged on its start
 * date when that is later than `now`. Pure: no I/O.
 */
export function disclosureImpact(
  decisions: readonly PastDecision[],
  current: readonly Agreement[],
  proposed: Agreement,
  parties: ImpactParties,
  now: Date,
): DisclosureImpact {
  const proposedSet = withProposed(current, proposed);
  const startsAt = new Date(`${proposed.period.start}T00:00:00Z`);
  const proposedAt = startsAt > now ? startsAt : now;
  const tally = new ImpactTally();
  let reevaluated = 0;
  let changedCount = 0;
  for (const decision of decisions) {
    if (decision.outcome === 'refused' && NOT_DECIDED_BY_AGREEMENTS.has(decision.refusingRule ?? '')) continue;
    reevaluated++;
    const before = disclosureUnder(decision, current, parties, now);
    const after = disclosureUnder(decision, proposedSet, parties, proposedAt);
    if (tallyChange(tally, decision.recipient, before, after)) changedCount++;
  }
  return { decisions: decisions.length, reevaluated, changed: changedCount, counts: tally.counts() };
}

/** Counts one decision's change; true when anything changed. */
function tallyChange(
  tally: ImpactTally,
  recipient: string,
  before: Disclosure | undefined,
  after: Disclosure | undefined,
): boolean {
  const elementsBefore = before ? sharedElements(before.flow) : [];
  const elementsAfter = after ? sharedElements(after.flow) : [];
  const lost = elementsBefore.filter((element) => !elementsAfter.includes(element));
  const gained = elementsAfter.filter((element) => !elementsBefore.includes(element));
  if (before && !after) tally.add(before, recipient, undefined, 'lost');
  if (after && !before) tally.add(after, recipient, undefined, 'gained');
  // Elements lost are counted on the flow that shared them, elements gained on the one that will.
  if (before) for (const element of lost) tally.add(before, recipient, element, 'lost');
  if (after) for (const element of gained) tally.add(after, recipient, element, 'gained');
  return Boolean(before) !== Boolean(after) || lost.length > 0 || gained.length > 0;
}
