import { HUB_PARTNER_ID, type PartnerKind } from '@cstr/contracts';

/** What a partner covers: the courts (partner ids of kind `hmcts`) and areas it serves. */
export interface PartnerCoverage {
  /** Courts whose hearings concern this partner (an L&D service, a probation delivery unit). */
  readonly courts: readonly string[];
  /** Areas served, e.g. London boroughs (for people and the console; routing uses courts). */
  readonly areas: readonly string[];
}

/** One organisation instance of `config/partners.yaml` (SPEC §2). */
export interface Partner {
  /** `[a-z0-9-]+`, unique: the broker user, routing-key prefix and endpoint URN. */
  readonly id: string;
  readonly kind: PartnerKind;
  readonly name: string;
  /** NHS or probation ODS code. */
  readonly ods?: string;
  /** Probation provider code (Delius region or delivery unit, e.g. `N07CY`), for probation teams. */
  readonly probationCode?: string;
  /** Any other identifier the partner really has (`Identifier.system` and `value`). */
  readonly identifiers?: readonly { readonly system: string; readonly value: string }[];
  /** HMCTS court code (partners of kind `hmcts`), as it appears in court lists, e.g. `B01CY00`. */
  readonly courtCode?: string;
  readonly coverage?: PartnerCoverage;
  /** Anything else configured for the partner's adapter (connection settings), kept as is. */
  readonly adapter?: Readonly<Record<string, unknown>>;
}

/** The hub itself, as the sender of the events it originates (`pathway.*`, referrals it raises). */
export interface HubParty {
  readonly id: typeof HUB_PARTNER_ID;
  readonly kind: 'hub';
  readonly name: string;
}

/** The hub as a sender. */
export const HUB_PARTY: HubParty = { id: HUB_PARTNER_ID, kind: 'hub', name: 'CSTR interoperability hub' };

/** Whoever published an event: a partner, or the hub. */
export type Sender = Partner | HubParty;
