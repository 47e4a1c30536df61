import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoSteps, demoWanted, DEMO_PERSON, DRR_PERSON, type DemoRun } from './demo-script';

const FIXTURES = join(__dirname, '..', '..', 'libs', 'fhir', 'test', 'fixtures', 'partner');
const CASES = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'apps', 'partner-sandbox', 'data', 'delius-cases.json'), 'utf8'),
) as { cases: { crn: string; nhsNumber?: string }[] };

function run(runId: string, now = new Date('2026-11-30T10:50:00Z')): DemoRun {
  return {
    runId,
    hearingId: `0d6f8a2e-0000-4000-8000-${runId.padStart(12, '0')}`,
    drrHearingId: `0d6f8a2e-0000-4000-8001-${runId.padStart(12, '0')}`,
    reviewHearingId: `0d6f8a2e-0000-4000-8002-${runId.padStart(12, '0')}`,
    now,
    fixture: (folder, name) => JSON.parse(readFileSync(join(FIXTURES, folder, `${name}.json`), 'utf8')),
  };
}

describe('demoSteps', () => {
  const steps = demoSteps(run('abc123'));
  const state = { providerPatientId: 'pt-1', drugServicePatientId: 'pt-9' };
  const bodyOf = (id: string): Record<string, unknown> =>
    steps.find((step) => step.id === id)!.body(state) as Record<string, unknown>;

  it('walks the MHTR pathway, then the DRR one, in order, through the sandbox stand-ins only', () => {
    expect(steps.map((step) => step.id)).toEqual([
      'court-list',
      'ld-screening',
      'psr-requested',
      'sentence',
      'case-allocated',
      'provider-patient',
      'provider-consent',
      'appointment-attended',
      'appointment-missed',
      'risk-changed',
      'episode-ended',
      'drr-psr-requested',
      'drr-service-patient',
      'drr-sentence',
      'drr-treatment-started',
      'drr-drug-test-negative',
      'drr-drug-test-positive',
      'drr-session-missed',
      'drr-review-listed',
      'drr-review-resulted',
    ]);
    for (const step of steps) expect(step.path).toMatch(/^\/sandbox\/(hmcts|ld|delius|fhir|pds)\/[a-z0-9-]+\//);
    expect(new Set(steps.map((step) => step.id)).size).toBe(steps.length);
  });

  it('lists several defendants at Croydon, one of them the person the sandbox Delius and PDS know', () => {
    const list = bodyOf('court-list') as {
      court_name: string;
      list_date: string;
      sessions: { cases: { def_name: string; pnc_id: string }[] }[];
    };
    const defendants = list.sessions.flatMap((session) => session.cases);
    expect(list.court_name).toContain('Croydon');
    expect(list.list_date).toBe('30/11/2026');
    expect(defendants.length).toBeGreaterThanOrEqual(3);
    expect(defendants.map((defendant) => defendant.pnc_id)).toContain(DEMO_PERSON.pncId);
    const known = CASES.cases.find((entry) => entry.crn === DEMO_PERSON.crn);
    expect(known?.nhsNumber).toBe(DEMO_PERSON.nhsNumber);
    expect((bodyOf('ld-screening').person as { nhsNumber: string }).nhsNumber).toBe(DEMO_PERSON.nhsNumber);
  });

  it('has the L&D practitioner record equality monitoring, for the minimum dataset', () => {
    const person = bodyOf('ld-screening').person as { equality?: { ethnicCategory?: string; disability?: string[] } };
    expect(person.equality?.ethnicCategory).toBe('A');
    expect(person.equality?.disability).toEqual(['mental-health']);
  });

  it('sentences with an MHTR, and records one attended and one missed (unacceptable, tell the officer) session on the provider server', () => {
    const sentence = JSON.stringify(bodyOf('sentence'));
    expect(sentence).toContain('Mental health treatment requirement');
    const attended = bodyOf('appointment-attended');
    const missed = bodyOf('appointment-missed');
    expect(attended).toMatchObject({
      resourceType: 'Appointment',
      status: 'fulfilled',
      participant: expect.arrayContaining([{ actor: { reference: 'Patient/pt-1' }, status: 'accepted' }]),
    });
    expect(missed).toMatchObject({
      resourceType: 'Appointment',
      status: 'noshow',
      participant: expect.arrayContaining([{ actor: { reference: 'Patient/pt-1' }, status: 'accepted' }]),
    });
    expect(JSON.stringify(missed)).toContain('"code":"unacceptable"');
    expect(Date.parse(missed.end as string)).toBeLessThan(Date.parse('2026-11-30T10:50:00Z'));
    expect(bodyOf('episode-ended')).toMatchObject({
      resourceType: 'EpisodeOfCare',
      status: 'finished',
      patient: { reference: 'Patient/pt-1' },
    });
    expect(steps.find((step) => step.id === 'provider-patient')).toMatchObject({
      saves: 'providerPatientId',
      headers: { 'If-None-Exist': `identifier=https://fhir.nhs.uk/Id/nhs-number|${DEMO_PERSON.nhsNumber}` },
    });
  });

  it('makes each run’s payloads its own, so a second demo on the same stack is not a redelivery', () => {
    const other = demoSteps(run('xyz789', new Date('2026-11-30T11:20:00Z')));
    for (const id of [
      'court-list',
      'ld-screening',
      'sentence',
      'provider-consent',
      'appointment-attended',
      'appointment-missed',
      'episode-ended',
      'drr-sentence',
      'drr-drug-test-positive',
      'drr-review-listed',
      'drr-review-resulted',
    ]) {
      expect(JSON.stringify(other.find((step) => step.id === id)!.body(state))).not.toEqual(JSON.stringify(bodyOf(id)));
    }
  });

  it('records the provider’s consent to share with probation, in force on the day of the demo', () => {
    const consent = bodyOf('provider-consent') as {
      resourceType: string;
      status: string;
      patient: unknown;
      provision: { period: { start: string; end: string } };
    };
    expect(consent).toMatchObject({
      resourceType: 'Consent',
      status: 'active',
      patient: { reference: 'Patient/pt-1' },
    });
    expect(consent.provision.period.start <= '2026-11-30').toBe(true);
    expect(consent.provision.period.end > '2026-11-30').toBe(true);
  });

  it("puts the DRR person on the drug and alcohol service's server: treatment started, two drug tests (one positive), a missed session; the court's review at Croydon", () => {
    expect(steps.find((step) => step.id === 'drr-psr-requested')!.body(state)).toMatchObject({
      personReference: { identifiers: [{ type: 'CRN', value: DRR_PERSON.crn }] },
      detail: { report: { treatmentProvider: { code: 'NDA' } } },
    });
    expect(bodyOf('drr-treatment-started')).toMatchObject({ status: 'active', patient: { reference: 'Patient/pt-9' } });
    const results = ['drr-drug-test-negative', 'drr-drug-test-positive'].map((id) =>
      JSON.stringify((bodyOf(id) as { component: unknown[] }).component),
    );
    expect(results[0]).not.toContain('positive');
    expect(results[1]).toContain('positive');
    expect(bodyOf('drr-session-missed')).toMatchObject({ status: 'noshow' });
    const [listed, resulted] = ['drr-review-listed', 'drr-review-resulted'].map(
      (id) => bodyOf(id) as { hearing: { id: string; type: { description: string }; courtCentre: { code: string } } },
    );
    expect(listed.hearing.id).toBe(resulted.hearing.id);
    expect(listed.hearing.type.description).toMatch(/review/i);
    expect(listed.hearing.courtCentre.code).toBe('B01CY00');
    expect(() => steps.find((step) => step.id === 'drr-drug-test-positive')!.body({})).toThrow(/no Patient/);
  });

  it("waits for the hub's decision on each record the drug and alcohol service's polled case system holds", () => {
    const awaited = Object.fromEntries(steps.filter((step) => step.awaits).map((step) => [step.id, step.awaits]));
    expect(awaited).toEqual({
      'drr-treatment-started': 'treatment.started',
      'drr-drug-test-negative': 'treatment.drug-test.resulted',
      'drr-drug-test-positive': 'treatment.drug-test.resulted',
      'drr-session-missed': 'treatment.appointment.missed',
    });
  });

  it('refuses to write a provider record before the provider has a Patient', () => {
    expect(() => steps.find((step) => step.id === 'appointment-missed')!.body({})).toThrow(/no Patient/);
  });
});

describe('demoWanted', () => {
  it('is on by default, off with --no-demo or DEMO=off', () => {
    expect(demoWanted([], {})).toBe(true);
    expect(demoWanted(['--no-demo'], {})).toBe(false);
    expect(demoWanted([], { DEMO: 'off' })).toBe(false);
    expect(demoWanted([], { DEMO: 'on' })).toBe(true);
  });
});
