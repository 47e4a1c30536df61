import { randomUUID } from 'node:crypto';
import type { MappingContext } from '@cstr/fhir';
import type { ProviderPartnerSettings } from '../provider/provider-partner-settings';

/** The mapping context of one change taken in from `partner`, received now. */
export function providerMappingContext(
  partner: ProviderPartnerSettings,
  now: () => Date = () => new Date(),
): MappingContext {
  return {
    senderPartnerId: partner.partnerId,
    senderOrganization: {
      partnerId: partner.partnerId,
      name: partner.name,
      ...(partner.ods ? { code: partner.ods } : {}),
    },
    receivedAt: now().toISOString(),
    newId: randomUUID,
  };
}
