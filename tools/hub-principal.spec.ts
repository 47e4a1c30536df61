import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePrincipals } from '../apps/hub/src/auth/principals.loader';
import { verifySecret } from '../apps/hub/src/auth/secret-hash';
import { shippedPrincipalProblems } from '../apps/hub/src/auth/shipped-principals';

const ROOT = join(__dirname, '..');
const run = (stdin: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } =>
  spawnSync(process.execPath, [join(ROOT, 'tools/run-ts.js'), join(ROOT, 'tools/hub-principal.ts'), ...args], {
    cwd: ROOT,
    input: stdin,
    encoding: 'utf8',
  });

describe('npm run hub:principal -- hash', () => {
  it('prints the secretHash line of the secret read from stdin (a typed newline is not part of it), never the secret', async () => {
    const result = run('a long demo secret 42\n', 'hash');
    expect(result.status).toBe(0);
    const [, hash] = /^secretHash: (\S+)\n$/.exec(result.stdout) ?? [];
    expect(result.stdout).not.toContain('a long demo secret');
    await expect(verifySecret('a long demo secret 42', hash)).resolves.toBe(true);
  });

  it('refuses a short secret and an unknown command', () => {
    expect(run('short', 'hash')).toMatchObject({
      status: 1,
      stdout: '',
      stderr: expect.stringContaining('at least 16 characters'),
    });
    expect(run('a long demo secret 42', 'show')).toMatchObject({ status: 2, stderr: expect.stringContaining('usage') });
  });
});

describe('npm run hub:principal -- create', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hub-principal-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('adds a user with a generated secret, printed once on stdout, and only its hash in the file', async () => {
    const file = join(dir, 'principals.yaml');
    writeFileSync(file, '# our principals\nprincipals:\n  # the first\n');
    const result = run('', 'create', 'ig.lead', '--roles', 'ig-auditor,operator', '--file', file);
    expect(result.status).toBe(0);
    const [, secret] = /^([A-Za-z0-9_-]{32})\n$/.exec(result.stdout) ?? [];
    expect(secret).toBeDefined();
    expect(result.stderr).toContain('shown this once');
    expect(result.stderr).not.toContain(secret);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(secret);
    expect(text).toContain('# our principals');
    const [principal] = parsePrincipals(text, file, () => true);
    expect(principal).toMatchObject({ id: 'ig.lead', kind: 'user', roles: ['ig-auditor', 'operator'] });
    expect(principal.demo).toBeUndefined();
    await expect(verifySecret(secret, principal.secretHash)).resolves.toBe(true);
    // Fit for production: no demo marker, hash or secret.
    expect(shippedPrincipalProblems(file, join(ROOT, 'config/principals.yaml'))).toEqual([]);
  });

  it('adds a partner of the partners file to a new file, and refuses a taken id, an unknown partner and a bad role', () => {
    const file = join(dir, 'new.yaml');
    expect(run('', 'create', 'slam-mhtr', '--partner', '--file', file).status).toBe(0);
    expect(parsePrincipals(readFileSync(file, 'utf8'), file, () => true)).toEqual([
      expect.objectContaining({ id: 'slam-mhtr', kind: 'partner', partnerId: 'slam-mhtr' }),
    ]);
    expect(run('', 'create', 'slam-mhtr', '--partner', '--file', file)).toMatchObject({
      status: 1,
      stdout: '',
      stderr: expect.stringContaining('already in'),
    });
    expect(run('', 'create', 'no-such-trust', '--partner', '--file', file)).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('not a partner'),
    });
    expect(run('', 'create', 'someone', '--roles', 'partner', '--file', file)).toMatchObject({
      status: 1,
      stderr: expect.stringContaining('--roles must list'),
    });
    expect(run('', 'create', 'someone', '--file', file)).toMatchObject({ status: 2 });
    expect(parsePrincipals(readFileSync(file, 'utf8'), file, () => true)).toHaveLength(1);
  });
});
