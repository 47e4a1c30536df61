import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { verifySecret } from '../apps/hub/src/auth/secret-hash';

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
