/**
 * The person's consents to share, as a pure reducer over `consent.recorded`, `consent.withdrawn`
 * and the Consent of `ld.screening.completed`; and the answer to "may this sender disclose to
 * this recipient now, on consent?".
 */
import type { OperationOutcomeIssue } from '@cstr/contracts';
import type { Bundle, Consent, Reference } from 'fhir/r4';
import { asArray, resourcesOfType } from '@cstr/fhir';
import type { Partner, Sender } from '../partners/partner';
import { resolveParty } from '../parties/party-resolver';
import type { PolicyEvent } from './relationships';

/** A recipient a consent names that is not a hub partner, e.g. a GP practice: `practice:<ODS code>`. */
const PRACTICE_PREFIX = 'practice:';

/** One consent the person gave, as the hub keeps it. */
export interface ConsentRecord {
  /** How audit records refer to it: `Consent?identifier=<system>|<value>`, or its fullUrl. */
  readonly ref: string;
  /**
   * The partner that sent it and discloses under it: always the sender the broker authenticated
   * (SPEC §5), whatever its `organization` or `performer` says.
   */
  readonly discloser?: string;
  /** `active` until withdrawn as a whole. */
  readonly status: 'active' | 'withdrawn';
  readonly period?: { readonly start?: string; readonly end?: string };
  /** Partner ids (and `practice:<ODS>` for GP practices) the person agreed may receive. */
  readonly recipients: readonly string[];
  /** Recipients the person later withdrew. */
  readonly withdrawnRecipients: readonly string[];
  /** The event that withdrew it (or some of its recipients), for the refusals that follow. */
  readonly withdrawnBy?: string;
}

/** The consents of one person, by discloser and {@link ConsentRecord.ref} (see {@link consentKey}). Immutable. */
export interface ConsentState {
  readonly records: Readonly<Record<string, ConsentRecord>>;
}

/** A person who has recorded no consent. */
export const NO_CONSENT: ConsentState = { records: {} };

/** Whether consent covers a disclosure: with the consent's ref when there is one. */
export type ConsentVerdict =
  | { readonly status: 'active'; readonly ref: string }
  | { readonly status: 'withdrawn'; readonly ref: string; readonly withdrawnBy?: string }
  | { readonly status: 'missing' };

/** Where a consent is kept: one sender's consent never overwrites another's with the same identifier. */
export function consentKey(discloser: string, ref: string): string {
  return `${discloser} ${ref}`;
}

function consentRef(bundle: Bundle, consent: Consent): string {
  const identifier = asArray(consent.identifier)[0];
  if (identifier?.system && identifier.value) return `Consent?identifier=${identifier.system}|${identifier.value}`;
  const entry = asArray(bundle.entry).find((item) => item?.resource === consent);
  return entry?.fullUrl ?? `Consent/${consent.id ?? 'unknown'}`;
}

/** The recipients a Consent names: hub partners (however named, see resolveParty) and GP practices. */
export function consentActors(bundle: Bundle, consent: Consent, partners: readonly Partner[]): string[] {
  const actors = new Set<string>();
  for (const actor of asArray(consent.provision?.actor)) {
    const resolved = resolveParty(bundle, actor?.reference, partners);
    for (const id of resolved.partners) actors.add(id);
    if (resolved.gpPractice) actors.add(`${PRACTICE_PREFIX}${resolved.gpPractice}`);
  }
  return [...actors];
}

function warning(diagnostics: string, expression: string): OperationOutcomeIssue {
  return { severity: 'warning', code: 'processing', diagnostics, expression: [expression] };
}

/**
 * What the hub could not take from the Consents of an event as they say: an actor it cannot
 * resolve (it grants nothing), or an `organization`/`performer` naming a partner other than the
 * sender (the consent is recorded as given to the sender all the same).
 */
export function consentWarnings(bundle: Bundle, sender: Sender, partners: readonly Partner[]): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  resourcesOfType(bundle, 'Consent').forEach((consent, index) => {
    const at = `Bundle.entry.resource.ofType(Consent)[${index}]`;
    asArray(consent.provision?.actor).forEach((actor, actorIndex) => {
      const resolved = resolveParty(bundle, actor?.reference, partners);
      if (resolved.unresolved !== undefined) {
        issues.push(
          warning(
            `Consent.provision.actor names an organisation the hub cannot resolve to a partner (${resolved.unresolved}): it is not a recipient of this consent.`,
            `${at}.provision.actor[${actorIndex}].reference`,
          ),
        );
      }
    });
    const claims: [string, Reference | undefined][] = [
      ...asArray(consent.organization).map((reference, i): [string, Reference] => [`organization[${i}]`, reference]),
      ...asArray(consent.performer).map((reference, i): [string, Reference] => [`performer[${i}]`, reference]),
    ];
    for (const [element, reference] of claims) {
      const named = resolveParty(bundle, reference, partners).partners;
      if (named.length > 0 && !named.includes(sender.id)) {
        issues.push(
          warning(
            `Consent.${element} names ${named.join(', ')}, not the sender ${sender.id}: a consent is recorded as given to the partner that sent it (SPEC §5), so it lets ${sender.id} disclose, nobody else.`,
            `${at}.${element}`,
          ),
        );
      }
    }
  });
  return issues;
}

/** Options of {@link updateConsent}. */
export interface ConsentEventContext {
  /** The event's id: a withdrawal is remembered by it, so that the refusals that follow name it. */
  readonly eventId?: string;
}

function isWithdrawal(eventType: PolicyEvent['eventType'], consent: Consent): boolean {
  return (
    eventType === 'consent.withdrawn' ||
    consent.status === 'inactive' ||
    consent.status === 'rejected' ||
    consent.provision?.type === 'deny'
  );
}

/**
 * The person's consents after one more event about them (events without a Consent change nothing).
 * Every consent is credited to the sender. A withdrawal applies to the consent it identifies; one
 * the hub cannot match to a consent it holds (shaped differently from the recording) applies to
 * every consent of the same sender: to the recipients it names, or to all of them.
 */
export function updateConsent(
  state: ConsentState,
  event: PolicyEvent,
  sender: Sender,
  partners: readonly Partner[],
  context: ConsentEventContext = {},
): ConsentState {
  const { eventType, bundle } = event;
  if (eventType !== 'consent.recorded' && eventType !== 'consent.withdrawn' && eventType !== 'ld.screening.completed')
    return state;
  const records: Record<string, ConsentRecord> = { ...state.records };
  const withdrawnBy = context.eventId !== undefined ? { withdrawnBy: context.eventId } : {};
  for (const consent of resourcesOfType(bundle, 'Consent')) {
    const ref = consentRef(bundle, consent);
    const actors = consentActors(bundle, consent, partners);
    const key = consentKey(sender.id, ref);
    const previous = Object.hasOwn(records, key) ? records[key] : undefined;
    if (isWithdrawal(eventType, consent)) {
      const targets = previous
        ? [previous]
        : Object.values(records).filter((record) => record.discloser === sender.id && record.status === 'active');
      const withdraw = (record: ConsentRecord): ConsentRecord =>
        actors.length === 0
          ? { ...record, status: 'withdrawn', ...withdrawnBy }
          : {
              ...record,
              withdrawnRecipients: [...new Set([...record.withdrawnRecipients, ...actors])],
              recipients: [...new Set([...record.recipients, ...actors])],
              ...withdrawnBy,
            };
      for (const target of targets) records[consentKey(sender.id, target.ref)] = withdraw(target);
      if (!previous) {
        // Kept too, so that the refusals that follow can name the withdrawal even when nothing matched.
        records[key] = withdraw({
          ref,
          discloser: sender.id,
          status: 'active',
          recipients: [],
          withdrawnRecipients: [],
        });
      }
    } else if (consent.status === 'active') {
      const period = consent.provision?.period;
      records[key] = {
        ref,
        discloser: sender.id,
        status: 'active',
        ...(period
          ? { period: { ...(period.start ? { start: period.start } : {}), ...(period.end ? { end: period.end } : {}) } }
          : {}),
        recipients: actors,
        withdrawnRecipients: [],
      };
    }
  }
  return { records };
}

/** True when `now` is inside the period; a date-only end counts to the end of that day. */
export function withinPeriod(
  now: Date,
  period: { readonly start?: string; readonly end?: string } | undefined,
): boolean {
  if (!period) return true;
  if (
    period.start &&
    now.getTime() < Date.parse(period.start.length === 10 ? `${period.start}T00:00:00Z` : period.start)
  )
    return false;
  if (period.end && now.getTime() > Date.parse(period.end.length === 10 ? `${period.end}T23:59:59.999Z` : period.end))
    return false;
  return true;
}

function namesRecipient(recipients: readonly string[], recipient: Partner): boolean {
  // The GP registration service carries disclosures to the person's practice: a consent naming a
  // practice covers it.
  return (
    recipients.includes(recipient.id) ||
    (recipient.kind === 'gp' && recipients.some((name) => name.startsWith(PRACTICE_PREFIX)))
  );
}

/**
 * Whether the person's consent lets `sender` disclose to `recipient` at `now`: a consent the
 * sender recorded that names the recipient, is in its period and is not withdrawn. `withdrawn`
 * (with the withdrawing event) when such a consent existed and was withdrawn.
 */
export function consentFor(state: ConsentState, sender: Sender, recipient: Partner, now: Date): ConsentVerdict {
  const relevant = Object.values(state.records).filter(
    (record) => record.discloser === sender.id && namesRecipient(record.recipients, recipient),
  );
  const active = relevant.find(
    (record) =>
      record.status === 'active' &&
      !namesRecipient(record.withdrawnRecipients, recipient) &&
      withinPeriod(now, record.period),
  );
  if (active) return { status: 'active', ref: active.ref };
  const withdrawn = relevant.find(
    (record) => record.status === 'withdrawn' || namesRecipient(record.withdrawnRecipients, recipient),
  );
  return withdrawn
    ? {
        status: 'withdrawn',
        ref: withdrawn.ref,
        ...(withdrawn.withdrawnBy ? { withdrawnBy: withdrawn.withdrawnBy } : {}),
      }
    : { status: 'missing' };
}
