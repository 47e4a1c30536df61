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
 * The partners and information-sharing agreements the hub enforces. The partners and the
 * agreement files (`configured`) are loaded and checked once at boot — a bad file throws
 * `PolicyConfigError` (file, line, reason) and the hub does not start. The agreements in force
 * come from the agreement store once it has imported the files (`AgreementsModule`), and are
 * replaced, without a restart, whenever a change takes effect: read {@link agreements} for each
 * decision, never keep it.
 */
export class HubPolicy {
  private readonly partnersById: ReadonlyMap<string, Partner>;
  private inForce: readonly Agreement[];

  constructor(
    readonly partners: readonly Partner[],
    /** The agreements of the configured folder, as loaded at boot: what the store imports. */
    readonly configured: readonly Agreement[],
  ) {
    this.partnersById = new Map(partners.map((partner) => [partner.id, partner]));
    this.inForce = configured;
  }

  /** Loads `partnersFile` and every agreement of `agreementsDir`, checked against each other. */
  static load(partnersFile: string, agreementsDir: string): HubPolicy {
    const partners = loadPartnersFile(partnersFile);
    return new HubPolicy(partners, loadAgreementsDir(agreementsDir, partners));
  }

  /** The current version of every agreement (until the store answers at boot: the configured files). */
  get agreements(): readonly Agreement[] {
    return this.inForce;
  }

  /** Puts `agreements` in force: the next decision is taken under them. */
  replaceAgreements(agreements: readonly Agreement[]): void {
    this.inForce = agreements;
  }

  /** The configured partner with this id, if any. */
  partner(id: string): Partner | undefined {
    return this.partnersById.get(id);
  }

  /** The sender of an event: a configured partner, or the hub itself. */
  sender(id: string): Sender | undefined {
    return id === HUB_PARTNER_ID ? HUB_PARTY : this.partnersById.get(id);
  }

  /** The current version of the agreement with this id, if any. */
  agreement(id: string): Agreement | undefined {
    return this.inForce.find((agreement) => agreement.id === id);
  }
}
