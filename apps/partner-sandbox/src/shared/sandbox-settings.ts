import { existsSync } from 'node:fs';
import { ConfigError, projectPath } from '@cstr/platform';
import { loadPartnersFile, type Partner } from '@cstr/policy';
import type { PartnerSandboxConfig } from '../partner-sandbox.config';

/** Injection token of {@link SandboxSettings}. */
export const SANDBOX_SETTINGS = Symbol('SANDBOX_SETTINGS');

/** What the stand-ins need, resolved once at boot from {@link PartnerSandboxConfig}. */
export interface SandboxSettings {
  /** Every partner of the partners file; the sandbox serves a stand-in for each. */
  readonly partners: readonly Partner[];
  /** Partner id → its adapter's base URL, where the push stand-ins send. */
  readonly adapterUrls: Readonly<Record<string, string>>;
  /** Absolute folder of the partner fixtures (`<folder>/<name>.json`). */
  readonly fixturesDir: string;
  /** Absolute path of the Delius cases file. */
  readonly deliusCasesFile: string;
  /** Records kept per stand-in before the oldest are dropped. */
  readonly maxRecords: number;
  readonly pushTimeoutMs: number;
  /** The sandbox's base URL as adapters see it; undefined: from the request's Host header. */
  readonly publicUrl?: string;
  /** The `iss` of the sandbox's tokens. */
  readonly tokenIssuer: string;
  readonly tokenLifetimeSeconds: number;
  /** Client id → secret of the token endpoint's clients (the operator's among them, when set). */
  readonly clientSecrets: Readonly<Record<string, string>>;
  /** Client id → PEM public key of the clients that authenticate with a private-key JWT. */
  readonly clientKeys: Readonly<Record<string, string>>;
}

/**
 * Resolves the settings from the validated config: reads and checks the partners file, and stops
 * the boot (ConfigError naming the key) when the fixtures folder or the cases file is missing.
 */
export function sandboxSettings(config: PartnerSandboxConfig): SandboxSettings {
  const missing = [
    ['SANDBOX_FIXTURES_DIR', config.SANDBOX_FIXTURES_DIR],
    ['SANDBOX_DELIUS_CASES_FILE', config.SANDBOX_DELIUS_CASES_FILE],
  ].filter(([, path]) => !existsSync(projectPath(path)));
  if (missing.length > 0)
    throw new ConfigError(missing.map(([key, path]) => ({ key, problem: `${projectPath(path)} does not exist` })));
  return {
    partners: loadPartnersFile(projectPath(config.PARTNERS_FILE)),
    adapterUrls: JSON.parse(config.SANDBOX_ADAPTER_URLS) as Record<string, string>,
    fixturesDir: projectPath(config.SANDBOX_FIXTURES_DIR),
    deliusCasesFile: projectPath(config.SANDBOX_DELIUS_CASES_FILE),
    maxRecords: config.SANDBOX_MAX_RECORDS,
    pushTimeoutMs: config.SANDBOX_PUSH_TIMEOUT_MS,
    publicUrl: config.SANDBOX_PUBLIC_URL,
    tokenIssuer: config.SANDBOX_TOKEN_ISSUER,
    tokenLifetimeSeconds: config.SANDBOX_TOKEN_LIFETIME_SECONDS,
    clientSecrets: {
      ...(JSON.parse(config.SANDBOX_CLIENT_SECRETS) as Record<string, string>),
      ...(config.SANDBOX_OPERATOR_SECRET ? { 'sandbox-operator': config.SANDBOX_OPERATOR_SECRET } : {}),
    },
    clientKeys: JSON.parse(config.SANDBOX_CLIENT_KEYS) as Record<string, string>,
  };
}
