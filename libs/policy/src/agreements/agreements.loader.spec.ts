import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_CATALOGUE, EVENT_TYPES, isPartnerKind } from '@cstr/contracts';
import { AGREEMENTS, FIXTURES, PARTNERS } from '../../test/policy-test-kit';
import { PolicyConfigError } from '../config/policy-config.error';
import { selectorKind } from './agreement';
import { fhirPathProblem, loadAgreementsDir, parseAgreement, parseAgreements } from './agreements.loader';

const dir = join(FIXTURES, 'agreements');
const read = (file: string) => readFileSync(join(dir, file), 'utf8');

describe('agreements loader', () => {
  it('loads a good file in the SPEC §5 format', () => {
    const { agreement, problems } = parseAgreement(read('good-attendance.yaml'), 'good-attendance.yaml', PARTNERS);
    expect(problems).toEqual([]);
    expect(agreement).toEqual(
      expect.objectContaining({
        id: 'test-attendance',
        version: 1,
        status: 'active',
        period: { start: '2026-04-01', end: '2027-03-31' },
        file: 'good-attendance.yaml',
      }),
    );
    expect(agreement?.legalBasis).toEqual({
      article6: '6(1)(e)',
      article9: '9(2)(h)',
      statute: 'Criminal Justice Act 2003 s207',
    });
    const flow = agreement?.flows[0];
    expect(flow?.events).toEqual(['treatment.appointment.attended', 'treatment.appointment.missed']);
    expect(flow?.share.Observation?.where).toContain("code = 'non-attendance-significance'");
    expect(flow?.share.Patient).toEqual({ elements: ['identifier', 'name', 'birthDate'] });
  });

  it.each([
    ['bad-unknown-event.yaml', 8, /treatment\.appointment\.cancelled is not an event type of the catalogue/],
    ['bad-unknown-kind.yaml', 10, /police is not a partner kind/],
    ['bad-unknown-partner.yaml', 10, /bromley-pdu is not a partner/],
    ['bad-where.yaml', 17, /where is not a valid FHIRPath expression: a bracket is not closed/],
    ['bad-unknown-element.yaml', 14, /nhsNumber is not an element of Patient/],
    ['bad-unknown-resource-type.yaml', 15, /Appointments is not a FHIR R4 resource type/],
    ['bad-status.yaml', 3, /status must be one of draft, active, suspended, expired/],
    ['bad-period.yaml', 4, /period\.end 2026-03-31 is before period\.start 2026-04-01/],
    [
      'bad-catalogue-sender.yaml',
      9,
      /treatment\.appointment\.attended is published by mh-provider, drug-alcohol-service only, not hmcts/,
    ],
    ['bad-missing-consent.yaml', 7, /consent must be required or not-required/],
    ['bad-unquoted-choice.yaml', 18, /YAML syntax: .*quote choice elements/],
    ['bad-unknown-key.yaml', 13, /unknown flow key shares/],
    ['bad-legal-basis.yaml', 5, /article6 must name a UK GDPR Article 6 condition/],
  ])('rejects %s at line %i with its reason', (file, line, reason) => {
    const { agreement, problems } = parseAgreement(read(file), file, PARTNERS);
    expect(agreement).toBeUndefined();
    expect(problems[0]).toEqual(expect.objectContaining({ file, line, reason: expect.stringMatching(reason) }));
  });

  it('throws one PolicyConfigError listing the problems of every file, and duplicate ids', () => {
    const files = ['bad-status.yaml', 'bad-where.yaml', 'good-attendance.yaml', 'good-attendance.yaml'].map(
      (file, index) => ({ file: `${index}-${file}`, text: read(file) }),
    );
    let error: PolicyConfigError | undefined;
    try {
      parseAgreements(files, PARTNERS);
    } catch (caught) {
      error = caught as PolicyConfigError;
    }
    expect(error).toBeInstanceOf(PolicyConfigError);
    expect(error?.problems.map((problem) => `${problem.file}:${problem.line}`)).toEqual([
      '0-bad-status.yaml:3',
      '1-bad-where.yaml:17',
      '3-good-attendance.yaml:1',
    ]);
    expect(error?.problems[2].reason).toMatch(/test-attendance version 1 is also defined in 2-good-attendance\.yaml/);
    expect(error?.message).toContain('1-bad-where.yaml:17 flows[0].share.Observation.where:');
  });

  it('names the folder when it cannot be read', () => {
    expect(() => loadAgreementsDir(join(dir, 'missing'), PARTNERS)).toThrow(/cannot read the folder \(ENOENT\)/);
  });

  it('accepts valid FHIRPath and rejects broken expressions', () => {
    expect(fhirPathProblem("code.coding.where(code = 'x').exists()", 'Observation')).toBeUndefined();
    expect(fhirPathProblem("code.coding.where(code = 'x').exists())", 'Observation')).toMatch(/closing bracket/);
    expect(fhirPathProblem("code.coding.where(code = 'x).exists()", 'Observation')).toMatch(/not closed/);
    expect(fhirPathProblem('code.coding.where(', 'Observation')).toBeDefined();
    expect(fhirPathProblem('code.coding.exists() garbage', 'Observation')).toMatch(
      /unexpected text after "code.coding.exists\(\)"/,
    );
    expect(fhirPathProblem('code.frobnicate()', 'Observation')).toMatch(/Unrecognized function: frobnicate/);
    expect(fhirPathProblem("status = 'final' and (value as Quantity).value > 3", 'Observation')).toBeUndefined();
  });
});

describe('the default agreements (config/agreements)', () => {
  const active = AGREEMENTS.filter((agreement) => agreement.status === 'active');

  it('load without problems, mostly active, with one not in force to show status handling', () => {
    expect(active.length).toBeGreaterThanOrEqual(4);
    expect(AGREEMENTS.some((agreement) => agreement.status !== 'active')).toBe(true);
  });

  it('cover every flow of the SPEC §3 catalogue (event, sender kind, recipient kind), hub-internal recipients aside', () => {
    const missing: string[] = [];
    for (const eventType of EVENT_TYPES) {
      const { from, to } = EVENT_CATALOGUE[eventType];
      for (const sender of from) {
        for (const recipient of to.filter(isPartnerKind)) {
          if (sender === recipient && eventType !== 'consent.recorded' && eventType !== 'consent.withdrawn') continue;
          const covered = active.some((agreement) =>
            agreement.flows.some(
              (flow) =>
                flow.events.includes(eventType) &&
                selectorKind(flow.from) === sender &&
                selectorKind(flow.to) === recipient,
            ),
          );
          if (!covered) missing.push(`${eventType}: ${sender} -> ${recipient}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('never sends outcome scores to probation: progress goes through a where on the engagement summary', () => {
    const flows = active
      .flatMap((agreement) => agreement.flows)
      .filter((flow) => flow.events.includes('treatment.progress.reported'));
    expect(flows.length).toBeGreaterThan(0);
    for (const flow of flows) {
      expect(flow.share.Observation?.where).toContain("code = 'engagement-summary'");
    }
  });

  it('give every agreement a legal basis and every flow a purpose', () => {
    for (const agreement of AGREEMENTS) {
      expect(agreement.legalBasis.article6).toMatch(/^6\(1\)/);
      for (const flow of agreement.flows) expect(flow.purpose.length).toBeGreaterThan(20);
    }
  });
});
