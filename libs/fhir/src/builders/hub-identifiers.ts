/**
 * `Identifier.system` URIs of organisations and of the business ids partners give their records
 * (hearing ids, referral ids, appointment ids).
 */
import { HUB_FHIR_BASE } from '@cstr/contracts';

/** NHS ODS organisation code (UKCore-Organization slice `odsOrganisationCode`). */
export const ODS_ORGANIZATION_CODE_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';

/** HMCTS court code, e.g. `B01LY00`. */
export const COURT_CODE_SYSTEM = `${HUB_FHIR_BASE}/Id/court-code`;

/**
 * Probation provider code: the Delius region (`N07`, London) or probation delivery unit
 * (`N07CY`, Croydon) of a probation team. A region stands for its units.
 */
export const PROBATION_PROVIDER_CODE_SYSTEM = `${HUB_FHIR_BASE}/Id/probation-provider-code`;

/** The hub's partner ids (`config/partners.yaml`), on the Organization of a partner. */
export const PARTNER_ID_SYSTEM = `${HUB_FHIR_BASE}/Id/partner`;

/** Event ids (UUIDs), where one resource points at the event that caused it. */
export const EVENT_ID_SYSTEM = `${HUB_FHIR_BASE}/Id/event`;

/**
 * The system of a partner's own ids of one kind, e.g. `…/Id/partner/croydon-mc/hearing`.
 * Scoped by partner so two partners' ids never collide.
 */
export function partnerIdentifierSystem(partnerId: string, kind: string): string {
  return `${PARTNER_ID_SYSTEM}/${partnerId}/${kind}`;
}

/**
 * Treatment referral ids: one system for the whole hub, because the id the requester gives a
 * referral is echoed by the provider that accepts or rejects it.
 */
export const REFERRAL_ID_SYSTEM = `${HUB_FHIR_BASE}/Id/referral`;
