/**
 * FHIR `Identifier.system` URIs for the person identifiers of SPEC §3. The NHS number uses the
 * national system; the others are hub-defined, under `https://cstr-hub.org.uk/fhir/Id/`.
 */
import type { IdentifierKind } from './identifier-result';

/** NHS number (England and Wales), as used by PDS and UK Core. */
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';

/** n-Delius case reference number (CRN). */
export const CRN_SYSTEM = 'https://cstr-hub.org.uk/fhir/Id/crn';

/** Police National Computer identifier (PNC ID). */
export const PNC_ID_SYSTEM = 'https://cstr-hub.org.uk/fhir/Id/pnc-id';

/** Criminal Records Office number (CRO number). */
export const CRO_NUMBER_SYSTEM = 'https://cstr-hub.org.uk/fhir/Id/cro-number';

/** HMCTS Common Platform defendant id. */
export const COMMON_PLATFORM_DEFENDANT_ID_SYSTEM = 'https://cstr-hub.org.uk/fhir/Id/common-platform-defendant-id';

/** The system URI for each identifier kind. */
export const IDENTIFIER_SYSTEMS: Readonly<Record<IdentifierKind, string>> = {
  'nhs-number': NHS_NUMBER_SYSTEM,
  crn: CRN_SYSTEM,
  'pnc-id': PNC_ID_SYSTEM,
  'cro-number': CRO_NUMBER_SYSTEM,
  'common-platform-defendant-id': COMMON_PLATFORM_DEFENDANT_ID_SYSTEM,
};
