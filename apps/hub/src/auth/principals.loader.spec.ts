import { join } from 'node:path';
import { loadPartnersFile } from '@cstr/policy';
import { loadPrincipalsFile, parsePrincipals, PrincipalsConfigError } from './principals.loader';
import { verifySecret } from './secret-hash';

const HASH = 'scrypt$1024$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const known = (id: string): boolean => ['slam-mhtr', 'nps-london-croydon'].includes(id);

function problemsOf(text: string): string[] {
  try {
    parsePrincipals(text, 'principals.yaml', known);
  } catch (error) {
    expect(error).toBeInstanceOf(PrincipalsConfigError);
    return [...(error as PrincipalsConfigError).problems];
  }
  throw new Error('expected a PrincipalsConfigError');
}

describe('principals file', () => {
  it('reads partners (role partner, bound to their partner) and users with their roles', () => {
    const principals = parsePrincipals(
      `principals:
  - { id: slam-mhtr, kind: partner, partner: slam-mhtr, secretHash: "${HASH}" }
  - { id: ig.lead, kind: user, roles: [ig-auditor, operator, ig-auditor], secretHash: "${HASH}" }
`,
      'principals.yaml',
      known,
    );
    expect(principals).toEqual([
      { kind: 'partner', id: 'slam-mhtr', roles: ['partner'], partnerId: 'slam-mhtr', secretHash: HASH },
      { kind: 'user', id: 'ig.lead', roles: ['ig-auditor', 'operator'], secretHash: HASH },
    ]);
  });

  it('names the line and reason of every problem', () => {
    const problems = problemsOf(`principals:
  - id: slam-mhtr
    kind: partner
    partner: unknown-partner
    secretHash: "${HASH}"
  - id: someone
    kind: user
    roles: [partner]
    secretHash: not-a-hash
  - id: slam-mhtr
    kind: robot
    secretHash: "${HASH}"
    colour: blue
`);
    expect(problems).toEqual([
      'principals.yaml:2: partner must be a partner id of the partners file',
      'principals.yaml:6: secretHash must be a hash made by `npm run hub:principal -- hash` (never a secret)',
      'principals.yaml:6: roles must list one or more of ig-auditor, operator, admin',
      'principals.yaml:10: unknown key `colour`',
      'principals.yaml:10: kind must be partner or user',
    ]);
  });

  it('refuses a duplicated id, a partner with roles and a file without a list', () => {
    expect(
      problemsOf(
        `principals:\n  - { id: a, kind: user, roles: [admin], secretHash: "${HASH}" }\n  - { id: a, kind: user, roles: [admin], secretHash: "${HASH}" }\n`,
      ),
    ).toEqual(['principals.yaml:3: id a is defined twice']);
    expect(
      problemsOf(
        `principals:\n  - { id: p, kind: partner, partner: slam-mhtr, roles: [admin], secretHash: "${HASH}" }\n`,
      ),
    ).toEqual(['principals.yaml:2: a partner principal has the role partner only; leave roles out']);
    expect(problemsOf('users: []\n')).toEqual(['principals.yaml:1: the file must have a top-level `principals:` list']);
    expect(problemsOf('principals: [\n')[0]).toMatch(/^principals\.yaml:\d+: /);
  });

  it('the project principals file is valid against the project partners, and holds hashes only', () => {
    const root = join(__dirname, '../../../..');
    const partners = loadPartnersFile(join(root, 'config/partners.yaml'));
    const principals = loadPrincipalsFile(join(root, 'config/principals.yaml'), (id) =>
      partners.some((partner) => partner.id === id),
    );
    expect(
      principals
        .filter((principal) => principal.kind === 'partner')
        .map((principal) => principal.id)
        .sort(),
    ).toEqual(partners.map((partner) => partner.id).sort());
    expect(new Set(principals.flatMap((principal) => principal.roles))).toEqual(
      new Set(['partner', 'ig-auditor', 'operator', 'admin']),
    );
  });

  it('a missing file is a config error naming it', () => {
    expect(() => loadPrincipalsFile(join(__dirname, 'no-such-file.yaml'), known)).toThrow(
      /no-such-file\.yaml: cannot be read \(ENOENT\)/,
    );
  });
});

describe('the demo principals', () => {
  it('open with the demo secrets apps/hub/README.md documents (dev-only-<id>), and with nothing else', async () => {
    const principals = loadPrincipalsFile(join(__dirname, '../../../../config/principals.yaml'), () => true);
    const opened = await Promise.all(
      principals.map((principal) => verifySecret(`dev-only-${principal.id}`, principal.secretHash)),
    );
    expect(opened).toEqual(principals.map(() => true));
    await expect(
      verifySecret('dev-only-hub-admin', principals.find((principal) => principal.id === 'ig-lead')?.secretHash ?? ''),
    ).resolves.toBe(false);
  });
});
