import {
  loadAgreementsDir,
  loadPartnersFile,
  HUB_PARTY,
  type Agreement,
  type Partner,
  type Sender,
} from '@cstr/policy';
import { HUB_PARTNER_ID } from '@cstr/contracts';

/**
 * The partners and information-sharing agreements the hub enforces, loaded and checked once at
 * boot. A bad file throws `PolicyConfigError` (file, line, reason) and the hub does not start.
 */
export class HubPolicy {
  private readonly partnersById: ReadonlyMap<string, Partner>;

  constructor(
    readonly partners: readonly Partner[],
    readonly agreements: readonly Agreement[],
  ) {
    this.partnersById = new Map(partners.map((partner) => [partner.id, partner]));
  }

  /** Loads `partnersFile` and every agreement of `agreementsDir`, checked against each other. */
  static load(partnersFile: string, agreementsDir: string): HubPolicy {
    const partners = loadPartnersFile(partnersFile);
    return new HubPolicy(partners, loadAgreementsDir(agreementsDir, partners));
  }

  /** The configured partner with this id, if any. */
  partner(id: string): Partner | undefined {
    return this.partnersById.get(id);
  }

  /** The sender of an event: a configured partner, or the hub itself. */
  sender(id: string): Sender | undefined {
    return id === HUB_PARTNER_ID ? HUB_PARTY : this.partnersById.get(id);
  }

  /** The agreement with this id, if any. */
  agreement(id: string): Agreement | undefined {
    return this.agreements.find((agreement) => agreement.id === id);
  }
}
