import 'reflect-metadata';
import { BaseAppConfig, PartnerAdapterConfig, retryDelays } from './base-app.config';
import { ConfigError, loadConfig } from './load-config';

const VALID = {
  RABBITMQ_URL: 'amqp://hub:secret@127.0.0.1:5682/cstr',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5442/cstr',
};

describe('loadConfig', () => {
  it('builds a typed config with defaults and converted numbers', () => {
    const config = loadConfig(BaseAppConfig, { ...VALID, HTTP_PORT: '3101', PREFETCH: '50' });
    expect(config.HTTP_PORT).toBe(3101);
    expect(config.PREFETCH).toBe(50);
    expect(config.HTTP_HOST).toBe('127.0.0.1');
    expect(retryDelays(config)).toEqual([1000, 5000, 30000, 120000, 600000]);
  });

  it('names a missing key', () => {
    expect(() => loadConfig(BaseAppConfig, { DATABASE_URL: VALID.DATABASE_URL })).toThrow(/RABBITMQ_URL: is required/);
  });

  it('names every wrong key with its problem', () => {
    try {
      loadConfig(BaseAppConfig, { ...VALID, HTTP_PORT: '70000', RETRY_DELAYS_MS: '1s,5s', DATABASE_URL: 'mysql://x' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const keys = (error as ConfigError).problems.map((problem) => problem.key).sort();
      expect(keys).toEqual(['DATABASE_URL', 'HTTP_PORT', 'RETRY_DELAYS_MS']);
      expect((error as ConfigError).message).toContain('RETRY_DELAYS_MS: must be comma-separated milliseconds');
    }
  });

  it('requires an adapter to name a well-formed partner id', () => {
    expect(() => loadConfig(PartnerAdapterConfig, VALID)).toThrow(/PARTNER_ID: is required/);
    expect(() => loadConfig(PartnerAdapterConfig, { ...VALID, PARTNER_ID: 'Croydon MC' })).toThrow(
      /PARTNER_ID: must be a partner id/,
    );
    expect(loadConfig(PartnerAdapterConfig, { ...VALID, PARTNER_ID: 'croydon-mc' }).PARTNER_ID).toBe('croydon-mc');
  });

  it('refuses any development-only value in production, naming the key but not the value', () => {
    const env = {
      RABBITMQ_URL: 'amqp://hub:dev-only-hub@127.0.0.1:5682/cstr',
      DATABASE_URL: 'postgres://postgres:dev-only-postgres@127.0.0.1:5442/cstr',
    };
    expect(loadConfig(BaseAppConfig, env).RABBITMQ_URL).toBe(env.RABBITMQ_URL);
    try {
      loadConfig(BaseAppConfig, { ...env, NODE_ENV: 'production' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.map((problem) => problem.key).sort()).toEqual([
        'DATABASE_URL',
        'RABBITMQ_URL',
      ]);
      expect((error as ConfigError).message).toContain('RABBITMQ_URL: holds a development-only credential');
      expect((error as ConfigError).message).not.toContain('dev-only-hub');
    }
    expect(loadConfig(BaseAppConfig, { ...VALID, NODE_ENV: 'production' }).NODE_ENV).toBe('production');
  });
});
