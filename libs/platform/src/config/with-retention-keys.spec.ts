import 'reflect-metadata';
import { PartnerAdapterConfig, WithRetentionKeys } from './base-app.config';
import { ConfigError, loadConfig } from './load-config';

const VALID = {
  RABBITMQ_URL: 'amqp://croydon-mc:secret@127.0.0.1:5682/cstr',
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5442/cstr',
  PARTNER_ID: 'croydon-mc',
};

class PurgingAdapterConfig extends WithRetentionKeys(PartnerAdapterConfig) {}

describe('WithRetentionKeys', () => {
  it('adds the retention keys with their defaults to the base class keys', () => {
    const config = loadConfig(PurgingAdapterConfig, VALID);
    expect(config).toMatchObject({
      PARTNER_ID: 'croydon-mc',
      RETENTION_FILE: 'config/retention.yaml',
      RETENTION_PURGE_INTERVAL_MS: 3_600_000,
      RETENTION_PURGE_BATCH: 500,
    });
  });

  it('reads and validates them from the environment, naming each bad key', () => {
    expect(
      loadConfig(PurgingAdapterConfig, { ...VALID, RETENTION_PURGE_INTERVAL_MS: '0' }).RETENTION_PURGE_INTERVAL_MS,
    ).toBe(0);
    try {
      loadConfig(PurgingAdapterConfig, { ...VALID, RETENTION_PURGE_INTERVAL_MS: '-1', RETENTION_PURGE_BATCH: '0' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.map((problem) => problem.key).sort()).toEqual([
        'RETENTION_PURGE_BATCH',
        'RETENTION_PURGE_INTERVAL_MS',
      ]);
    }
  });
});
