import type { EventParty, EventType, PartnerKind } from '@cstr/contracts';

/** The life cycle of an agreement; only `active` agreements, inside their period, allow flows. */
export const AGREEMENT_STATUSES = ['draft', 'active', 'suspended', 'expired'] as const;

/** One status of {@link AGREEMENT_STATUSES}. */
export type AgreementStatus = (typeof AGREEMENT_STATUSES)[number];

/** Who a flow is from or to: every partner of a kind (or the hub, as a sender), or one partner. */
export type PartySelector = { readonly kind: EventParty } | { readonly id: string };

/**
 * How one resource type is shared: the allow-listed elements and, when `where` is given, a
 * FHIRPath expression a resource must satisfy to be carried at all (others are removed whole).
 */
export interface ShareRule {
  readonly elements: readonly string[];
  readonly where?: string;
}

/** One permitted exchange of an agreement (SPEC §5). */
export interface Flow {
  readonly id: string;
  readonly events: readonly EventType[];
  readonly from: PartySelector;
  readonly to: PartySelector;
  readonly purpose: string;
  /** `required`: stops once the person withdraws consent; `not-required`: a statutory gateway. */
  readonly consent: 'required' | 'not-required';
  /** The allow-list, by resource type; any other resource type is removed. */
  readonly share: Readonly<Record<string, ShareRule>>;
  /**
   * Identifier systems (URIs) the hub may add to the delivered Patient from its person index, where
   * the sender sent none of that system (so that the recipient finds the person: a court knows a
   * PNC ID, a provider an NHS number). Undefined: none are added — the recipient gets the systems
   * the sender sent.
   */
  readonly identifiers?: readonly string[];
}

/** The lawful bases of an agreement: UK GDPR Article 6 and 9 conditions, and the statute. */
export interface LegalBasis {
  /** e.g. `6(1)(e)` (public task). */
  readonly article6: string;
  /** e.g. `9(2)(h)` (health or social care); needed where health data is shared. */
  readonly article9?: string;
  /** e.g. `Criminal Justice Act 2003 s207`. */
  readonly statute?: string;
  /** e.g. `DPA 2018 Sch 1 Pt 1 para 2`. */
  readonly dpa2018?: string;
}

/** An information-sharing agreement of `config/agreements/*.yaml`. */
export interface Agreement {
  readonly id: string;
  readonly version: number;
  readonly status: AgreementStatus;
  readonly title?: string;
  /** Dates (`YYYY-MM-DD`), both inclusive; no end means open-ended. */
  readonly period: { readonly start: string; readonly end?: string };
  readonly legalBasis: LegalBasis;
  readonly flows: readonly Flow[];
  /** The file it was loaded from (for the console and error messages). */
  readonly file?: string;
}

/** The partner kind a selector names, if it names a kind of partner. */
export function selectorKind(selector: PartySelector): EventParty | undefined {
  return 'kind' in selector ? selector.kind : undefined;
}

/** True when the selector picks this party (by id, or by kind). */
export function selectorMatches(
  selector: PartySelector,
  party: { readonly id: string; readonly kind: PartnerKind | 'hub' },
): boolean {
  return 'id' in selector ? selector.id === party.id : selector.kind === party.kind;
}
