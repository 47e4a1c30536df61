/**
 * The person's consents to share, as a pure reducer over `consent.recorded`, `consent.withdrawn`
 * and the Consent of `ld.screening.completed`; and the answer to "may this sender disclose to
 * this recipient now, on consent?".
 */
import type { Bundle, Consent } from 'fhir/r4';
import type { Partner, Sender } from '../partners/partner';
import { ODS_ORGANIZATION_CODE_SYSTEM } from '@cstr/fhir';
import { asArray, partnerIdOf, partnersOfOrganization, resolveReference, resourcesOfType } from './bundle-reading';
import type { PolicyEvent } from './relationships';

/** A recipient a consent names that is not a hub partner, e.g. a GP practice: `practice:<ODS code>`. */
const PRACTICE_PREFIX = 'practice:';

/** One consent the person gave, as the hub keeps it. */
export interface ConsentRecord {
  /** How audit records refer to it: `Consent?identifier=<system>|<value>`, or its fullUrl. */
  readonly ref: string;
  /** The partner that recorded it and discloses under it (Consent.organization), if known. */
  readonly discloser?: string;
  /** `active` until withdrawn as a whole. */
  readonly status: 'active' | 'withdrawn';
  readonly period?: { readonly start?: string; readonly end?: string };
  /** Partner ids (and `practice:<ODS>` for GP practices) the person agreed may receive. */
  readonly recipients: readonly string[];
  /** Recipients the person later withdrew. */
  readonly withdrawnRecipients: readonly string[];
}

/** The consents of one person, by {@link ConsentRecord.ref}. Immutable. */
export interface ConsentState {
  readonly records: Readonly<Record<string, ConsentRecord>>;
}

/** A person who has recorded no consent. */
export const NO_CONSENT: ConsentState = { records: {} };

/** Whether consent covers a disclosure: with the consent's ref when there is one. */
export type ConsentVerdict =
  | { readonly status: 'active'; readonly ref: string }
  | { readonly status: 'withdrawn'; readonly ref: string }
  | { readonly status: 'missing' };

function consentRef(bundle: Bundle, consent: Consent): string {
  const identifier = asArray(consent.identifier)[0];
  if (identifier?.system && identifier.value) return `Consent?identifier=${identifier.system}|${identifier.value}`;
  const entry = asArray(bundle.entry).find((item) => item?.resource === consent);
  return entry?.fullUrl ?? `Consent/${consent.id ?? 'unknown'}`;
}

/** The recipients a Consent names: hub partners (by partner id or ODS code, see partnersOfOrganization) and GP practices. */
export function consentActors(bundle: Bundle, consent: Consent, partners: readonly Partner[]): string[] {
  const actors = new Set<string>();
  for (const actor of asArray(consent.provision?.actor)) {
    const target = resolveReference(bundle, actor.reference);
    const partnerIds = partnersOfOrganization(target, partners);
    if (partnerIds.length > 0) for (const id of partnerIds) actors.add(id);
    else if (target?.resourceType === 'Organization') {
      const ods = asArray(target.identifier).find(
        (identifier) => identifier?.system === ODS_ORGANIZATION_CODE_SYSTEM,
      )?.value;
      actors.add(`${PRACTICE_PREFIX}${ods ?? target.name ?? 'unknown'}`);
    }
  }
  return [...actors];
}

/** The person's consents after one more event about them (events without a Consent change nothing). */
export function updateConsent(
  state: ConsentState,
  event: PolicyEvent,
  sender: Sender,
  partners: readonly Partner[],
): ConsentState {
  const { eventType, bundle } = event;
  if (eventType !== 'consent.recorded' && eventType !== 'consent.withdrawn' && eventType !== 'ld.screening.completed')
    return state;
  const records: Record<string, ConsentRecord> = { ...state.records };
  for (const consent of resourcesOfType(bundle, 'Consent')) {
    const ref = consentRef(bundle, consent);
    const actors = consentActors(bundle, consent, partners);
    const previous = records[ref];
    const withdrawing =
      eventType === 'consent.withdrawn' ||
      consent.status === 'inactive' ||
      consent.status === 'rejected' ||
      consent.provision?.type === 'deny';
    if (withdrawing) {
      // A withdrawal naming recipients withdraws those; one naming none withdraws the whole consent.
      const base: ConsentRecord = previous ?? {
        ref,
        discloser: partnerIdOf(resolveReference(bundle, asArray(consent.organization)[0])) ?? sender.id,
        status: 'active',
        recipients: [],
        withdrawnRecipients: [],
      };
      records[ref] =
        actors.length === 0
          ? { ...base, status: 'withdrawn' }
          : {
              ...base,
              withdrawnRecipients: [...new Set([...base.withdrawnRecipients, ...actors])],
              recipients: [...new Set([...base.recipients, ...actors])],
            };
    } else if (consent.status === 'active') {
      const period = consent.provision?.period;
      records[ref] = {
        ref,
        discloser: partnerIdOf(resolveReference(bundle, asArray(consent.organization)[0])) ?? sender.id,
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
 * Whether the person's consent lets `sender` disclose to `recipient` at `now`: a consent recorded
 * by the sender (or naming no discloser) that names the recipient, is in its period and is not
 * withdrawn. `withdrawn` when such a consent existed and was withdrawn.
 */
export function consentFor(state: ConsentState, sender: Sender, recipient: Partner, now: Date): ConsentVerdict {
  const relevant = Object.values(state.records).filter(
    (record) =>
      (record.discloser === undefined || record.discloser === sender.id) &&
      namesRecipient(record.recipients, recipient),
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
  return withdrawn ? { status: 'withdrawn', ref: withdrawn.ref } : { status: 'missing' };
}
