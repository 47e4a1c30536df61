import * as path from 'node:path';
import type { PartnerKind } from '@cstr/contracts';
import { loadAgreementsDir, loadPartnersFile } from '@cstr/policy';

/** The project's config folder (partners.yaml, agreements/). */
const CONFIG_DIR = path.join(__dirname, '../../../../config');

/**
 * Every event type the default agreements (config/agreements) deliver to a partner of one of
 * `kinds` — by kind, or by the id of a partner of that kind in config/partners.yaml. An adapter's
 * unit test checks it has a plan (a write or an acknowledgement) for each.
 */
export function eventTypesDeliveredTo(...kinds: readonly PartnerKind[]): string[] {
  const partners = loadPartnersFile(path.join(CONFIG_DIR, 'partners.yaml'));
  const ofKinds = new Set(partners.filter((partner) => kinds.includes(partner.kind)).map((partner) => partner.id));
  const agreements = loadAgreementsDir(path.join(CONFIG_DIR, 'agreements'), partners);
  const types = agreements.flatMap((agreement) =>
    agreement.flows
      .filter((flow) =>
        'kind' in flow.to ? (kinds as readonly string[]).includes(flow.to.kind) : ofKinds.has(flow.to.id),
      )
      .flatMap((flow) => flow.events),
  );
  return [...new Set(types)].sort();
}
