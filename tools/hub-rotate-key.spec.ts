import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadConfig } from '@cstr/platform';
import { auditKeyRing } from '../apps/hub/src/core/audit-keys.validator';
import { HubConfig } from '../apps/hub/src/hub.config';
import { nextKeyId, rotateKey } from './key-rotation';

const ROOT = join(__dirname, '..');
const BASE_ENV = { RABBITMQ_URL: 'amqp://hub:secret@localhost:5672/cstr', DATABASE_URL: 'postgres://localhost/cstr' };
const FIRST = 'a'.repeat(40);

const run = (env: NodeJS.ProcessEnv, ...args: string[]): { status: number | null; stdout: string; stderr: string } =>
  spawnSync(process.execPath, [join(ROOT, 'tools/run-ts.js'), join(ROOT, 'tools/hub-rotate-key.ts'), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  });

/** The printed `KEY=value` lines as an environment. */
const asEnv = (stdout: string): Record<string, string> =>
  Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );

describe('npm run hub:rotate-key', () => {
  it('audit: prints k2 after AUDIT_HMAC_KEY (k1), current; the hub loads the lines', () => {
    const result = run({ AUDIT_HMAC_KEY: FIRST }, 'audit');
    expect(result.status).toBe(0);
    const printed = asEnv(result.stdout);
    expect(Object.keys(printed)).toEqual(['AUDIT_HMAC_KEYS', 'AUDIT_HMAC_KEY_ID']);
    expect(printed.AUDIT_HMAC_KEYS).toMatch(/^k2:[0-9a-f]{64}$/);
    expect(printed.AUDIT_HMAC_KEY_ID).toBe('k2');
    expect(result.stdout).not.toContain(FIRST);
    expect(result.stderr).toContain('Never remove one');
    const config = loadConfig(HubConfig, { ...BASE_ENV, AUDIT_HMAC_KEY: FIRST, ...printed });
    const ring = auditKeyRing(config);
    expect({ ids: ring.ids, current: ring.current.id }).toEqual({ ids: ['k1', 'k2'], current: 'k2' });
  });

  it('audit: rotating again keeps every earlier key, oldest first', () => {
    const first = rotateKey('audit', { AUDIT_HMAC_KEY: FIRST }, () => 'c'.repeat(64));
    const second = rotateKey('audit', { AUDIT_HMAC_KEY: FIRST, ...asEnv(first.lines.join('\n')) }, () =>
      'd'.repeat(64),
    );
    expect(second.lines).toEqual([`AUDIT_HMAC_KEYS=k2:${'c'.repeat(64)},k3:${'d'.repeat(64)}`, 'AUDIT_HMAC_KEY_ID=k3']);
  });

  it('audit: refuses keys the hub would refuse, without printing a secret', () => {
    const result = run({ AUDIT_HMAC_KEY: FIRST, AUDIT_HMAC_KEYS: 'k2:too-short-secret' }, 'audit');
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/k2 needs at least 32 bytes/);
    expect(result.stderr).not.toContain('too-short-secret');
    expect(result.stdout).toBe('');
  });

  it('partition: prints the next key id and a new secret', () => {
    const result = run({ PARTITION_KEY_ID: 'p4' }, 'partition');
    expect(result.status).toBe(0);
    expect(asEnv(result.stdout)).toEqual({
      PARTITION_KEY_ID: 'p5',
      PARTITION_KEY_SECRET: expect.stringMatching(/^[0-9a-f]{48}$/),
    });
    expect(run({}, 'show')).toMatchObject({ status: 2, stderr: expect.stringContaining('usage') });
  });

  it('numbers key ids after the highest, never reusing one', () => {
    expect(nextKeyId(['k1', 'k3'], 'k')).toBe('k4');
    expect(nextKeyId(['2024-a'], 'k')).toBe('k1');
  });
});
