import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@cstr/platform';
import { parsePrincipals } from '../auth/principals.loader';
import { hashSecret } from '../auth/secret-hash';
import { HubConfig } from '../hub.config';

const ROOT = join(__dirname, '../../../..');
const SHIPPED = readFileSync(join(ROOT, 'config/principals.yaml'), 'utf8');
const CHEAP = { N: 1024, r: 8, p: 1 };

/** A production environment with every secret of its own, but for what a test changes. */
const PRODUCTION = {
  NODE_ENV: 'production',
  RABBITMQ_URL: 'amqp://hub:3a7c9e1f0b2d4f6a8c0e2a4c@rabbitmq:5672/cstr',
  DATABASE_URL: 'postgres://hub:9d8c7b6a5f4e3d2c1b0a@postgres:5432/cstr',
  AUDIT_HMAC_KEY: 'f'.repeat(64),
  PARTITION_KEY_SECRET: 'e'.repeat(48),
  AUDIT_CHECKPOINT_DIR: '/var/lib/cstr-hub/audit-checkpoints',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(HubConfig, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((problem) => `${problem.key}: ${problem.problem}`);
  }
  return [];
}

describe('the hub in production refuses default credentials', () => {
  let dir: string;
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'hub-production-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses the shipped principals file, naming every demo principal', () => {
    const problems = problemsOf(PRODUCTION);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^PRINCIPALS_FILE: production needs principals of its own/);
    const shipped = parsePrincipals(SHIPPED, 'principals.yaml', () => true);
    for (const principal of shipped) expect(problems[0]).toContain(`${principal.id} is a shipped demo principal`);
    expect(shipped.every((principal) => principal.demo === true)).toBe(true);
  });

  it('refuses a demo principal copied without its marker, and any principal whose secret is dev-only-<id>', async () => {
    const adminHash = /id: hub-admin[\s\S]*?secretHash: (\S+)/.exec(SHIPPED)?.[1];
    const own = await hashSecret('a secret of the deployment’s own 0123', CHEAP);
    const devOnly = await hashSecret('dev-only-probation-lead', CHEAP);
    const principals = file(
      'copied.yaml',
      [
        'principals:',
        `  - { id: ops-lead, kind: user, roles: [operator], secretHash: "${own}" }`,
        `  - { id: root, kind: user, roles: [admin], secretHash: "${adminHash}" }`,
        `  - { id: probation-lead, kind: user, roles: [ig-auditor], secretHash: "${devOnly}" }`,
        '',
      ].join('\n'),
    );
    const [problem, ...others] = problemsOf({ ...PRODUCTION, PRINCIPALS_FILE: principals });
    expect(others).toEqual([]);
    expect(problem).toContain('root has the secret hash of a shipped demo principal');
    expect(problem).toContain('probation-lead has the documented demo secret dev-only-probation-lead');
    expect(problem).not.toContain('ops-lead');
  });

  it('starts with principals of its own, and says why a missing file cannot do', async () => {
    const own = await hashSecret('a secret of the deployment’s own 0123', CHEAP);
    const principals = file(
      'own.yaml',
      `principals:\n  - { id: ops-lead, kind: user, roles: [operator], secretHash: "${own}" }\n`,
    );
    expect(problemsOf({ ...PRODUCTION, PRINCIPALS_FILE: principals })).toEqual([]);
    expect(problemsOf({ ...PRODUCTION, PRINCIPALS_FILE: join(dir, 'absent.yaml') })).toEqual([
      expect.stringMatching(/^PRINCIPALS_FILE: .*absent\.yaml: cannot be read \(ENOENT\)/) as string,
    ]);
  });

  it('refuses missing secrets and dev-only values anywhere, naming each key', async () => {
    const own = await hashSecret('a secret of the deployment’s own 0123', CHEAP);
    const principals = file(
      'own2.yaml',
      `principals:\n  - { id: ops-lead, kind: user, roles: [operator], secretHash: "${own}" }\n`,
    );
    const { AUDIT_HMAC_KEY: _audit, PARTITION_KEY_SECRET: _partition, ...withoutSecrets } = PRODUCTION;
    const problems = problemsOf({
      ...withoutSecrets,
      PRINCIPALS_FILE: principals,
      RABBITMQ_URL: 'amqp://hub:dev-only-hub@rabbitmq:5672/cstr',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^AUDIT_HMAC_KEY: must be set in production/) as string,
      expect.stringMatching(/^PARTITION_KEY_SECRET: must be set in production/) as string,
      expect.stringMatching(/^RABBITMQ_URL: holds a development-only credential/) as string,
    ]);
  });

  it('outside production, the demo principals and defaults still start the hub (local stack, tests)', () => {
    const { NODE_ENV: _production, AUDIT_HMAC_KEY: _a, PARTITION_KEY_SECRET: _p, ...rest } = PRODUCTION;
    expect(problemsOf({ ...rest, NODE_ENV: 'development' })).toEqual([]);
  });
});
