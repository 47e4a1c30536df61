import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, projectPath } from '@cstr/platform';
import { PolicyConfigError } from '@cstr/policy';
import { HubConfig } from '../hub.config';
import { HubPolicy } from './hub-policy';

const BASE_ENV = { RABBITMQ_URL: 'amqp://hub:secret@localhost:5672/cstr', DATABASE_URL: 'postgres://localhost/cstr' };

describe('HubConfig', () => {
  it('has development defaults for the secrets outside production', () => {
    const config = loadConfig(HubConfig, { ...BASE_ENV, NODE_ENV: 'development' });
    expect(config.AUDIT_HMAC_KEY.length).toBeGreaterThanOrEqual(32);
    expect(config.PARTITION_KEY_SECRET.length).toBeGreaterThanOrEqual(16);
    expect(config.IDENTITY_TRUSTED_KINDS).toBe('hmcts,probation,gp');
  });

  it('refuses to start in production on the dev-only secrets, naming both keys', () => {
    expect(() => loadConfig(HubConfig, { ...BASE_ENV, NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig(HubConfig, { ...BASE_ENV, NODE_ENV: 'production' })).toThrow(
      /AUDIT_HMAC_KEY: .*production[\s\S]*PARTITION_KEY_SECRET: .*production/,
    );
  });

  it('starts in production with secrets and principals of its own', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-principals-'));
    try {
      // Production refuses the shipped demo principals (see production-config.spec.ts).
      const hash = 'scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
      writeFileSync(
        join(dir, 'principals.yaml'),
        `principals:\n  - { id: ops, kind: user, roles: [operator], secretHash: "${hash}" }\n`,
      );
      const config = loadConfig(HubConfig, {
        ...BASE_ENV,
        NODE_ENV: 'production',
        AUDIT_HMAC_KEY: 'a'.repeat(40),
        PARTITION_KEY_SECRET: 'b'.repeat(20),
        AUDIT_CHECKPOINT_DIR: join(dir, 'checkpoints'),
        PRINCIPALS_FILE: join(dir, 'principals.yaml'),
      });
      expect(config.AUDIT_HMAC_KEY).toBe('a'.repeat(40));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to load when the agreements do not check, with the file, line and reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-agreements-'));
    try {
      writeFileSync(
        join(dir, 'bad.yaml'),
        'id: x\nversion: 1\nstatus: active\nperiod: { start: 2026-04-01 }\nlegalBasis: { article6: "6(1)(e)" }\nflows:\n  - id: f\n    events: [no.such.event]\n',
      );
      expect(() => loadConfig(HubConfig, { ...BASE_ENV, AGREEMENTS_DIR: dir })).toThrow(ConfigError);
      expect(() => loadConfig(HubConfig, { ...BASE_ENV, AGREEMENTS_DIR: dir })).toThrow(
        /AGREEMENTS_DIR: the partners and agreements do not load: [\s\S]*bad\.yaml:\d+ /,
      );
      expect(() => loadConfig(HubConfig, { ...BASE_ENV, PARTNERS_FILE: join(dir, 'missing.yaml') })).toThrow(
        /missing\.yaml:1 .*cannot read the file/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses short secrets and unknown partner kinds', () => {
    expect(() => loadConfig(HubConfig, { ...BASE_ENV, AUDIT_HMAC_KEY: 'short' })).toThrow(/AUDIT_HMAC_KEY/);
    expect(() => loadConfig(HubConfig, { ...BASE_ENV, PARTITION_KEY_SECRET: 'short' })).toThrow(/PARTITION_KEY_SECRET/);
    expect(() => loadConfig(HubConfig, { ...BASE_ENV, IDENTITY_TRUSTED_KINDS: 'hmcts,police' })).toThrow(
      /IDENTITY_TRUSTED_KINDS/,
    );
  });
});

describe('HubPolicy', () => {
  it('loads the project partners and agreements from the configured defaults', () => {
    const config = loadConfig(HubConfig, BASE_ENV);
    const policy = HubPolicy.load(projectPath(config.PARTNERS_FILE), projectPath(config.AGREEMENTS_DIR));
    expect(policy.partner('croydon-mc')?.kind).toBe('hmcts');
    expect(policy.sender('cstr-hub')?.kind).toBe('hub');
    expect(policy.partner('nobody')).toBeUndefined();
    expect(policy.agreements.length).toBeGreaterThan(0);
    expect(policy.agreement(policy.agreements[0].id)).toBe(policy.agreements[0]);
  });

  it('stops on a bad agreement file with the file, line and reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-agreements-'));
    try {
      const good = readFileSync(projectPath('config/agreements/cstr-south-london-court.yaml'), 'utf8');
      writeFileSync(join(dir, 'broken.yaml'), good.replace(/^status: active$/m, 'status: maybe'));
      let thrown: unknown;
      try {
        HubPolicy.load(projectPath('config/partners.yaml'), dir);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(PolicyConfigError);
      expect((thrown as Error).message).toMatch(/broken\.yaml:\d+ status: status must be one of/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops on a missing partners file', () => {
    expect(() => HubPolicy.load(projectPath('config/no-such-partners.yaml'), projectPath('config/agreements'))).toThrow(
      /no-such-partners\.yaml:1 .*cannot read the file/,
    );
  });
});

describe('projectPath', () => {
  it('reads relative paths from the project root and keeps absolute ones', () => {
    expect(projectPath('config/partners.yaml')).toMatch(/config[\\/]partners\.yaml$/);
    expect(readFileSync(projectPath('config/partners.yaml'), 'utf8')).toContain('partners:');
    expect(projectPath('/etc/hub/partners.yaml')).toBe('/etc/hub/partners.yaml');
  });
});
