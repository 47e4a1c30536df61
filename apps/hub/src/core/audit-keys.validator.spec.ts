import 'reflect-metadata';
import { loadConfig } from '@cstr/platform';
import { HubConfig } from '../hub.config';
import { auditKeyRing } from './audit-keys.validator';

const BASE_ENV = { RABBITMQ_URL: 'amqp://hub:secret@localhost:5672/cstr', DATABASE_URL: 'postgres://localhost/cstr' };
const FIRST = 'a'.repeat(40);
const SECOND = 'b'.repeat(40);

describe('HubConfig audit keys and checkpoints', () => {
  it('AUDIT_HMAC_KEY alone is the ring of one key, k1', () => {
    const ring = auditKeyRing(loadConfig(HubConfig, { ...BASE_ENV, AUDIT_HMAC_KEY: FIRST }));
    expect({ ids: ring.ids, current: ring.current.id }).toEqual({ ids: ['k1'], current: 'k1' });
  });

  it('AUDIT_HMAC_KEYS adds later keys after k1; the last is current unless AUDIT_HMAC_KEY_ID names another', () => {
    const env = { ...BASE_ENV, AUDIT_HMAC_KEY: FIRST, AUDIT_HMAC_KEYS: `k2:${SECOND}, k3:${'c'.repeat(32)}` };
    expect(auditKeyRing(loadConfig(HubConfig, env)).current.id).toBe('k3');
    const staged = auditKeyRing(loadConfig(HubConfig, { ...env, AUDIT_HMAC_KEY_ID: 'k2' }));
    expect({ ids: staged.ids, current: staged.current.id }).toEqual({ ids: ['k1', 'k2', 'k3'], current: 'k2' });
  });

  it('refuses a bad ring, naming the key and never a secret', () => {
    const load = (extra: Record<string, string>): unknown => loadConfig(HubConfig, { ...BASE_ENV, ...extra });
    expect(() => load({ AUDIT_HMAC_KEYS: 'k2:short-secret' })).toThrow(/AUDIT_HMAC_KEYS: .*k2 needs at least 32 bytes/);
    expect(() => load({ AUDIT_HMAC_KEYS: 'k2:short-secret' })).not.toThrow(/short-secret/);
    expect(() => load({ AUDIT_HMAC_KEYS: `k1:${SECOND}` })).toThrow(/AUDIT_HMAC_KEYS: .*k1 is AUDIT_HMAC_KEY/);
    expect(() => load({ AUDIT_HMAC_KEYS: SECOND })).toThrow(/AUDIT_HMAC_KEYS: .*must be id:secret/);
    expect(() => load({ AUDIT_HMAC_KEYS: `k2:${SECOND}`, AUDIT_HMAC_KEY_ID: 'k5' })).toThrow(/k5 is not in the ring/);
    expect(() => load({ AUDIT_HMAC_KEY_ID: 'k 1' })).toThrow(/AUDIT_HMAC_KEY_ID: must be a key id/);
    expect(() => load({ PARTITION_KEY_ID: 'p/1' })).toThrow(/PARTITION_KEY_ID: must be a key id/);
  });

  it('in production: the checkpoint folder is required, and a later key may not be a dev-only default', () => {
    const production = {
      ...BASE_ENV,
      NODE_ENV: 'production',
      AUDIT_HMAC_KEY: FIRST,
      PARTITION_KEY_SECRET: 'p'.repeat(20),
    };
    expect(() => loadConfig(HubConfig, production)).toThrow(
      /AUDIT_CHECKPOINT_DIR: must name the folder of audit checkpoints in production/,
    );
    expect(() => loadConfig(HubConfig, { ...production, AUDIT_HMAC_KEYS: `k2:dev-only-${'x'.repeat(32)}` })).toThrow(
      /AUDIT_HMAC_KEYS: /,
    );
    expect(() => loadConfig(HubConfig, { ...production, AUDIT_CHECKPOINT_DIR: '/srv/audit' })).not.toThrow(
      /AUDIT_CHECKPOINT_DIR|AUDIT_HMAC_KEY/,
    );
  });

  it('has development defaults: no checkpoint folder (the hub uses one under .stack/), a checkpoint every 30 s, partition key p1', () => {
    const config = loadConfig(HubConfig, BASE_ENV);
    expect(config).toMatchObject({
      AUDIT_CHECKPOINT_DIR: '',
      AUDIT_CHECKPOINT_INTERVAL_MS: 30_000,
      AUDIT_HMAC_KEYS: '',
      AUDIT_HMAC_KEY_ID: '',
      PARTITION_KEY_ID: 'p1',
    });
  });
});
