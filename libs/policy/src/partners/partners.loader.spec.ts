import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, PARTNERS, ROOT } from '../../test/policy-test-kit';
import { PolicyConfigError } from '../config/policy-config.error';
import { loadPartnersFile, parsePartners, rebaseSandboxUrls } from './partners.loader';

const dir = join(FIXTURES, 'partners');

function problemsOf(file: string) {
  try {
    parsePartners(readFileSync(join(dir, file), 'utf8'), file);
  } catch (error) {
    if (error instanceof PolicyConfigError) return error.problems;
    throw error;
  }
  throw new Error(`${file} was accepted`);
}

describe('partners loader', () => {
  it('loads config/partners.yaml: a South London site with courts, L&D, probation, providers and GP', () => {
    const kinds = PARTNERS.map((partner) => partner.kind);
    expect(kinds.filter((kind) => kind === 'hmcts').length).toBeGreaterThanOrEqual(2);
    expect(kinds.filter((kind) => kind === 'probation').length).toBeGreaterThanOrEqual(2);
    expect(kinds.filter((kind) => kind === 'mh-provider').length).toBeGreaterThanOrEqual(2);
    expect(kinds).toContain('ld');
    expect(kinds).toContain('gp');
    expect(PARTNERS.length).toBeLessThanOrEqual(12);
    // Each probation unit covers a different court, so routing by court really chooses.
    const croydon = PARTNERS.find((partner) => partner.id === 'nps-london-croydon');
    const lambeth = PARTNERS.find((partner) => partner.id === 'nps-london-lambeth');
    expect(croydon?.coverage?.courts).toEqual(['croydon-mc']);
    expect(lambeth?.coverage?.courts).toEqual(['camberwell-green-mc']);
  });

  it('keeps the ids other code and tests use', () => {
    const ids = PARTNERS.map((partner) => partner.id);
    for (const id of [
      'croydon-mc',
      'camberwell-green-mc',
      'sl-liaison-diversion',
      'nps-london-croydon',
      'nps-london-lambeth',
      'slam-mhtr',
      'st-andrews-mhtr',
      'pds-gp-registration',
    ]) {
      expect(ids).toContain(id);
    }
  });

  it('loads a minimal good file with its typed fields', () => {
    const partners = parsePartners(readFileSync(join(dir, 'good-minimal.yaml'), 'utf8'), 'good-minimal.yaml');
    expect(partners).toEqual([
      { id: 'croydon-mc', kind: 'hmcts', name: "Croydon Magistrates' Court", courtCode: 'B01CY00' },
      {
        id: 'nps-london-croydon',
        kind: 'probation',
        name: 'Probation Service London – Croydon PDU',
        ods: 'N07CY',
        coverage: { courts: ['croydon-mc'], areas: [] },
      },
    ]);
  });

  it('keeps adapter settings it does not know under `adapter`', () => {
    const text =
      'partners:\n  - id: slam-mhtr\n    kind: mh-provider\n    name: SLaM\n    fhirBaseUrl: http://localhost:8080/fhir\n';
    expect(parsePartners(text, 'inline.yaml')[0].adapter).toEqual({ fhirBaseUrl: 'http://localhost:8080/fhir' });
  });

  it.each([
    ['bad-id.yaml', 6, /lower-case/],
    ['duplicate-id.yaml', 6, /croydon-mc is already used by partners\[0\]/],
    ['unknown-kind.yaml', 7, /kind must be one of hmcts, ld, probation, mh-provider, gp/],
    ['missing-name.yaml', 6, /name is required/],
    ['unknown-court.yaml', 11, /court bromley-mc is not a partner/],
    ['not-a-court.yaml', 11, /nps-london-croydon is a probation partner, not a court/],
    ['provider-covers-court.yaml', 11, /only ld and probation partners cover courts/],
    ['syntax-error.yaml', 3, /YAML syntax/],
    ['no-partners-list.yaml', 1, /top-level `partners:` list/],
    ['court-code-on-probation.yaml', 9, /only partners of kind hmcts have a courtCode/],
    ['unknown-coverage-key.yaml', 11, /unknown coverage key court/],
  ])('rejects %s at line %i', (file, line, reason) => {
    const problems = problemsOf(file);
    expect(problems[0]).toEqual(expect.objectContaining({ file, line, reason: expect.stringMatching(reason) }));
  });

  it('lists every problem of a file in one error, each with file and line', () => {
    const text = 'partners:\n  - id: A\n    kind: court\n  - id: b\n    kind: gp\n    name: B\n    courtCode: nope\n';
    const error = (() => {
      try {
        parsePartners(text, 'many.yaml');
      } catch (caught) {
        return caught as PolicyConfigError;
      }
      throw new Error('accepted');
    })();
    expect(error.code).toBe('policy-config-invalid');
    expect(error.problems.map((problem) => `${problem.line}:${problem.path}`)).toEqual([
      '2:partners[0].id',
      '3:partners[0].kind',
      '2:partners[0].name',
      '7:partners[1].courtCode',
      '7:partners[1].courtCode',
    ]);
    expect(error.message).toContain('many.yaml:3 partners[0].kind: kind must be one of');
    expect(error.toOperationOutcome().issue).toHaveLength(5);
  });

  it('reports a missing file as a configuration error', () => {
    expect(() => loadPartnersFile(join(ROOT, 'config', 'no-such-partners.yaml'))).toThrow(
      /cannot read the file \(ENOENT\)/,
    );
  });
});

describe('rebaseSandboxUrls', () => {
  const shipped = loadPartnersFile(join(ROOT, 'config', 'partners.yaml'));

  it('moves every sandbox URL of the shipped partners file (strings and lists) to the sandbox given, and nothing else', () => {
    const moved = rebaseSandboxUrls(shipped, 'http://partner-sandbox:3200/');
    const delius = moved.find((partner) => partner.id === 'nps-london-croydon');
    expect(delius?.adapter).toMatchObject({
      deliusApiUrl: 'http://partner-sandbox:3200/sandbox/delius/nps-london-croydon',
      detailUrlAllowList: ['http://partner-sandbox:3200/sandbox/delius/nps-london-croydon/detail/'],
    });
    expect(moved.find((partner) => partner.id === 'slam-mhtr')?.adapter).toMatchObject({
      fhirBaseUrl: 'http://partner-sandbox:3200/sandbox/fhir/slam-mhtr',
      subscriptions: true,
    });
    expect(JSON.stringify(moved)).not.toContain('127.0.0.1:3200');
    expect(moved.map(({ adapter: _adapter, ...rest }) => rest)).toEqual(
      shipped.map(({ adapter: _adapter, ...rest }) => rest),
    );
  });

  it('leaves URLs of a partner’s own system alone, and loadPartnersFile applies it on request only', () => {
    const [partner] = rebaseSandboxUrls(
      [{ ...shipped[0], adapter: { apiUrl: 'https://delius.example.gov.uk/api', other: 'http://127.0.0.1:32000/x' } }],
      'http://partner-sandbox:3200',
    );
    expect(partner.adapter).toEqual({ apiUrl: 'https://delius.example.gov.uk/api', other: 'http://127.0.0.1:32000/x' });
    const file = join(ROOT, 'config', 'partners.yaml');
    expect(JSON.stringify(loadPartnersFile(file))).toContain('http://127.0.0.1:3200/');
    expect(JSON.stringify(loadPartnersFile(file, { sandboxBaseUrl: 'http://partner-sandbox:3200' }))).not.toContain(
      'http://127.0.0.1:3200/',
    );
  });
});
