import type { Agreement, Flow, PartySelector } from './agreement';

/** What part of an agreement a difference is in. */
export type AgreementArea = 'terms' | 'legal-basis' | 'flow' | 'events' | 'elements';

/**
 * One difference between two versions of an agreement, as an IG lead reads it: the area, the
 * flow it is in (when it is in one), the item that changed and its text before and after.
 */
export interface AgreementDifference {
  readonly area: AgreementArea;
  readonly change: 'added' | 'removed' | 'changed';
  readonly flowId?: string;
  /** The flow id, event type, element (`Patient.address`), legal basis key or term (`period.end`). */
  readonly item: string;
  readonly before?: string;
  readonly after?: string;
}

/** A party selector as text: `kind probation` or `partner slam-mhtr`. */
export function selectorText(selector: PartySelector): string {
  return 'kind' in selector ? `kind ${selector.kind}` : `partner ${selector.id}`;
}

/** The elements a flow shares, as `Type.element` (a `where` narrowing is compared apart). */
export function sharedElements(flow: Flow): string[] {
  return Object.entries(flow.share).flatMap(([type, rule]) => rule.elements.map((element) => `${type}.${element}`));
}

function changed(
  area: AgreementArea,
  item: string,
  before: string | undefined,
  after: string | undefined,
  flowId?: string,
): AgreementDifference[] {
  if (before === after) return [];
  const change = before === undefined ? 'added' : after === undefined ? 'removed' : 'changed';
  return [
    {
      area,
      change,
      ...(flowId ? { flowId } : {}),
      item,
      ...(before !== undefined ? { before } : {}),
      ...(after !== undefined ? { after } : {}),
    },
  ];
}

function setDifferences(
  area: AgreementArea,
  flowId: string,
  before: readonly string[],
  after: readonly string[],
): AgreementDifference[] {
  const removed = before.filter((item) => !after.includes(item));
  const added = after.filter((item) => !before.includes(item));
  return [
    ...removed.map((item) => ({ area, change: 'removed' as const, flowId, item })),
    ...added.map((item) => ({ area, change: 'added' as const, flowId, item })),
  ];
}

function flowSummary(flow: Flow): string {
  return `${flow.events.join(', ')} from ${selectorText(flow.from)} to ${selectorText(flow.to)}`;
}

function flowDifferences(before: Flow, after: Flow): AgreementDifference[] {
  const id = after.id;
  const where = (flow: Flow, type: string): string | undefined => flow.share[type]?.where;
  const types = [...new Set([...Object.keys(before.share), ...Object.keys(after.share)])];
  return [
    ...setDifferences('events', id, before.events, after.events),
    ...changed('flow', 'from', selectorText(before.from), selectorText(after.from), id),
    ...changed('flow', 'to', selectorText(before.to), selectorText(after.to), id),
    ...changed('flow', 'consent', before.consent, after.consent, id),
    ...changed('flow', 'purpose', before.purpose, after.purpose, id),
    ...changed('flow', 'identifiers', before.identifiers?.join(', '), after.identifiers?.join(', '), id),
    ...setDifferences('elements', id, sharedElements(before), sharedElements(after)),
    ...types.flatMap((type) => changed('elements', `${type} where`, where(before, type), where(after, type), id)),
  ];
}

/**
 * The differences from `before` (the version in force; undefined for a new agreement) to
 * `after`: its terms (status, title, period), legal basis, flows added and removed, and in each
 * flow kept its events, parties, consent, purpose, identifiers and allow-list (elements and
 * `where` narrowing). Pure; the order is stable (terms, legal basis, then flows in order).
 */
export function agreementDiff(before: Agreement | undefined, after: Agreement): AgreementDifference[] {
  const terms = (agreement: Agreement | undefined) => ({
    status: agreement?.status,
    title: agreement?.title,
    'period.start': agreement?.period.start,
    'period.end': agreement?.period.end,
  });
  const termsBefore: Record<string, string | undefined> = terms(before);
  const termsAfter: Record<string, string | undefined> = terms(after);
  const basisBefore: Record<string, string | undefined> = { ...before?.legalBasis };
  const basisAfter: Record<string, string | undefined> = { ...after.legalBasis };
  const basisKeys = [...new Set([...Object.keys(basisBefore), ...Object.keys(basisAfter)])];
  const flowsBefore = new Map((before?.flows ?? []).map((flow) => [flow.id, flow]));
  const flowsAfter = new Map(after.flows.map((flow) => [flow.id, flow]));
  return [
    ...Object.keys(termsAfter).flatMap((key) => changed('terms', key, termsBefore[key], termsAfter[key])),
    ...basisKeys.flatMap((key) => changed('legal-basis', key, basisBefore[key], basisAfter[key])),
    ...[...flowsBefore.values()]
      .filter((flow) => !flowsAfter.has(flow.id))
      .map((flow) => ({
        area: 'flow' as const,
        change: 'removed' as const,
        flowId: flow.id,
        item: flow.id,
        before: flowSummary(flow),
      })),
    ...after.flows.flatMap((flow) => {
      const old = flowsBefore.get(flow.id);
      return old
        ? flowDifferences(old, flow)
        : [
            {
              area: 'flow' as const,
              change: 'added' as const,
              flowId: flow.id,
              item: flow.id,
              after: flowSummary(flow),
            },
          ];
    }),
  ];
}
