import 'reflect-metadata';
import { ConfigError, loadConfig } from '@cstr/platform';
import { PartnerSandboxConfig } from './partner-sandbox.config';
import { sandboxSettings } from './shared/sandbox-settings';

const REQUIRED = {
  RABBITMQ_URL: 'amqp://hub:x@127.0.0.1:5672/cstr',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/cstr',
};

describe('PartnerSandboxConfig', () => {
  it('defaults to port 3200, the project partners file and no adapter URLs', () => {
    const settings = sandboxSettings(loadConfig(PartnerSandboxConfig, REQUIRED));
    expect(loadConfig(PartnerSandboxConfig, REQUIRED).HTTP_PORT).toBe(3200);
    expect(settings.adapterUrls).toEqual({});
    expect(settings.partners.map((partner) => partner.id)).toContain('slam-mhtr');
    expect(settings.fixturesDir).toMatch(/libs[\\/]fhir[\\/]test[\\/]fixtures[\\/]partner$/);
  });

  it('reads SANDBOX_ADAPTER_URLS as partner id → URL', () => {
    const config = loadConfig(PartnerSandboxConfig, {
      ...REQUIRED,
      SANDBOX_ADAPTER_URLS: '{"croydon-mc":"http://127.0.0.1:3101"}',
    });
    expect(sandboxSettings(config).adapterUrls).toEqual({ 'croydon-mc': 'http://127.0.0.1:3101' });
  });

  it.each(['not json', '["http://x"]', '{"croydon-mc":"ftp://x"}', '{"croydon-mc":3101}'])(
    'refuses SANDBOX_ADAPTER_URLS=%s, naming the key',
    (value) => {
      expect(() => loadConfig(PartnerSandboxConfig, { ...REQUIRED, SANDBOX_ADAPTER_URLS: value })).toThrow(ConfigError);
      expect(() => loadConfig(PartnerSandboxConfig, { ...REQUIRED, SANDBOX_ADAPTER_URLS: value })).toThrow(
        /SANDBOX_ADAPTER_URLS/,
      );
    },
  );

  it('refuses a public URL with a trailing slash and a record limit of 0', () => {
    expect(() => loadConfig(PartnerSandboxConfig, { ...REQUIRED, SANDBOX_PUBLIC_URL: 'http://sandbox:3200/' })).toThrow(
      /SANDBOX_PUBLIC_URL/,
    );
    expect(() => loadConfig(PartnerSandboxConfig, { ...REQUIRED, SANDBOX_MAX_RECORDS: '0' })).toThrow(
      /SANDBOX_MAX_RECORDS/,
    );
  });

  it('stops the boot naming the key when the fixtures folder or the cases file is missing', () => {
    const config = loadConfig(PartnerSandboxConfig, {
      ...REQUIRED,
      SANDBOX_FIXTURES_DIR: 'no/such/folder',
      SANDBOX_DELIUS_CASES_FILE: 'no/such/cases.json',
    });
    expect(() => sandboxSettings(config)).toThrow(ConfigError);
    expect(() => sandboxSettings(config)).toThrow(/SANDBOX_FIXTURES_DIR[\s\S]*SANDBOX_DELIUS_CASES_FILE/);
  });
});
