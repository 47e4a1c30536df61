import { ConfigError } from '@cstr/platform';
import { loadPartnersFile } from '@cstr/policy';

/** What the adapter needs of its partner's entry in the partners file. */
export interface DeliusPartnerSettings {
  readonly partnerId: string;
  readonly name: string;
  readonly ods?: string;
  /** The Delius API base URL (`deliusApiUrl`). */
  readonly deliusApiUrl: string;
  /** `detailUrlAllowList`: the only URL prefixes a detailUrl may be fetched from. */
  readonly detailUrlAllowList: readonly string[];
  /** `snsCertUrlAllowList`: the only URL prefixes an SNS `SigningCertURL` may have. */
  readonly snsCertUrlAllowList: readonly string[];
  /** The partner's adapter settings as in the file (the `outbound*` token keys among them). */
  readonly adapterSettings: Readonly<Record<string, unknown>>;
}

/**
 * Reads the probation partner `partnerId` from the partners file; stops the boot (ConfigError
 * naming the key) when it is missing, not a probation partner, or lacks its Delius settings.
 */
export function loadDeliusPartnerSettings(
  partnersFile: string,
  partnerId: string,
  sandboxBaseUrl?: string,
): DeliusPartnerSettings {
  const partner = loadPartnersFile(partnersFile, { sandboxBaseUrl }).find((candidate) => candidate.id === partnerId);
  if (!partner || partner.kind !== 'probation') {
    throw new ConfigError([
      { key: 'PARTNER_ID', problem: `${partnerId} is not a probation partner of ${partnersFile}` },
    ]);
  }
  const deliusApiUrl = partner.adapter?.deliusApiUrl;
  const allowList = partner.adapter?.detailUrlAllowList;
  if (typeof deliusApiUrl !== 'string' || !/^https?:\/\//.test(deliusApiUrl)) {
    throw new ConfigError([
      { key: 'PARTNERS_FILE', problem: `partner ${partnerId} needs deliusApiUrl (an http(s) URL)` },
    ]);
  }
  if (
    !Array.isArray(allowList) ||
    !allowList.every((prefix) => typeof prefix === 'string' && /^https?:\/\/[^/]+\/.*\/$/.test(prefix))
  ) {
    throw new ConfigError([
      {
        key: 'PARTNERS_FILE',
        problem: `partner ${partnerId} needs detailUrlAllowList: http(s) URL prefixes ending with '/'`,
      },
    ]);
  }
  const certPrefixes = partner.adapter?.snsCertUrlAllowList;
  if (
    !Array.isArray(certPrefixes) ||
    certPrefixes.length === 0 ||
    !certPrefixes.every((prefix) => typeof prefix === 'string' && /^https?:\/\/[^/]+\/(.*\/)?$/.test(prefix))
  ) {
    throw new ConfigError([
      {
        key: 'PARTNERS_FILE',
        problem: `partner ${partnerId} needs snsCertUrlAllowList: http(s) URL prefixes ending with '/' (where SNS signing certificates are)`,
      },
    ]);
  }
  return {
    partnerId,
    name: partner.name,
    ods: partner.ods,
    deliusApiUrl,
    detailUrlAllowList: allowList as string[],
    snsCertUrlAllowList: certPrefixes as string[],
    adapterSettings: partner.adapter ?? {},
  };
}
