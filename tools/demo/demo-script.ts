/**
 * The demo's pathway, as requests to the partner sandbox's stand-ins only (the partners' own
 * protocols; apps/partner-sandbox/README.md): a Croydon court list with three defendants, one of
 * whom — Jordan Marsh, known to the sandbox's Delius (CRN X412563) and PDS (NHS 9990000123) — goes
 * through the MHTR pathway. Pure: payloads come from the partner fixtures, made unique per run
 * (ids, dates) so that a second demo on the same stack is not taken for a redelivery.
 */

/** The person who goes through the pathway (identifiers the sandbox's data knows). */
export const DEMO_PERSON = {
  name: 'Jordan Marsh',
  crn: 'X412563',
  nhsNumber: '9990000123',
  pncId: '2019/0046512V',
} as const;

const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';

/** What the steps are built from. */
export interface DemoRun {
  /** Short and unique per run (letters and digits). */
  readonly runId: string;
  /** A UUID unique per run (the Common Platform hearing id of the sentencing hearing). */
  readonly hearingId: string;
  readonly now: Date;
  /** A partner fixture (`libs/fhir/test/fixtures/partner/<folder>/<name>.json`), parsed. */
  readonly fixture: (folder: string, name: string) => unknown;
}

/** What earlier steps returned that later ones need. */
export interface DemoState {
  /** The provider's server id of the person's Patient. */
  providerPatientId?: string;
}

/** One request to the sandbox. */
export interface DemoStep {
  readonly id: string;
  /** What happens, in a sentence, printed before the flows it causes. */
  readonly narration: string;
  readonly method: 'POST';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: (state: DemoState) => unknown;
  /** Keeps the id of the resource the answer carries (the provider's Patient). */
  readonly saves?: keyof DemoState;
}

const clone = <T>(value: T): T => structuredClone(value);
const isoDay = (date: Date): string => date.toISOString().slice(0, 10);
const daysAgo = (now: Date, days: number, hour: number): Date =>
  new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - days, hour, 30));

/** The demo's steps, in pathway order (SPEC §1). */
export function demoSteps(run: DemoRun): DemoStep[] {
  const { runId, now } = run;
  const record = (folder: string, name: string): Record<string, unknown> =>
    clone(run.fixture(folder, name)) as Record<string, unknown>;
  const patientRef = (state: DemoState): string => {
    if (!state.providerPatientId) throw new Error('The provider has no Patient for the person yet.');
    return `Patient/${state.providerPatientId}`;
  };
  /** A provider record of the person, with an identifier of this run and its own times. */
  const providerRecord =
    (name: string, identifierSuffix: string, times: Record<string, unknown>) => (state: DemoState) => {
      const resource = record('provider', name);
      delete resource.id;
      const identifier = resource.identifier as { value: string }[];
      identifier[0].value = `${identifier[0].value}-${runId}-${identifierSuffix}`;
      if (Array.isArray(resource.participant))
        (resource.participant as { actor: { reference: string } }[])[0].actor.reference = patientRef(state);
      if (resource.patient) resource.patient = { reference: patientRef(state) };
      return { ...resource, ...times };
    };
  const session = (days: number) => ({
    start: daysAgo(now, days, 9).toISOString(),
    end: new Date(daysAgo(now, days, 9).getTime() + 50 * 60_000).toISOString(),
  });
  const domainEvent = (fixture: string) => () => ({ fixture });

  return [
    {
      id: 'court-list',
      narration: "Croydon Magistrates' Court publishes today's Libra list: three defendants",
      method: 'POST',
      path: '/sandbox/hmcts/croydon-mc/send/daily-list',
      body: () => {
        const list = record('libra', 'daily-list-croydon');
        list.list_date = isoDay(now).split('-').reverse().join('/');
        list.printed_at = now.toISOString();
        return list;
      },
    },
    {
      id: 'ld-screening',
      narration: `Liaison & Diversion screens ${DEMO_PERSON.name} in custody: mental health and substance needs, consent to share`,
      method: 'POST',
      path: '/sandbox/ld/sl-liaison-diversion/send/screening',
      body: () => {
        const screening = record('ld', 'screening-custody-consent-given');
        screening.screeningId = `${String(screening.screeningId)}-${runId}`;
        return screening;
      },
    },
    {
      id: 'psr-requested',
      narration: 'Probation (Delius, Croydon) requests a pre-sentence report and an MHTR suitability assessment',
      method: 'POST',
      path: '/sandbox/delius/nps-london-croydon/send/domain-event',
      body: domainEvent('psr-requested'),
    },
    {
      id: 'sentence',
      narration: 'The court sentences: community order with a mental health and an alcohol treatment requirement',
      method: 'POST',
      path: '/sandbox/hmcts/croydon-mc/send/result',
      body: () => {
        const result = record('common-platform', 'hearing-resulted-community-order-mhtr-atr') as {
          hearing: Record<string, unknown>;
        };
        result.hearing.id = run.hearingId;
        return result;
      },
    },
    {
      id: 'case-allocated',
      narration: 'Probation allocates a responsible officer',
      method: 'POST',
      path: '/sandbox/delius/nps-london-croydon/send/domain-event',
      body: domainEvent('case-allocated'),
    },
    {
      id: 'provider-patient',
      narration: 'The provider (SLaM) finds or registers the person on its FHIR server',
      method: 'POST',
      path: '/sandbox/fhir/slam-mhtr/Patient',
      headers: {
        'If-None-Exist': `identifier=${NHS_NUMBER_SYSTEM}|${DEMO_PERSON.nhsNumber}`,
        'Content-Type': 'application/fhir+json',
      },
      body: () => {
        const patient = record('provider', 'patient');
        delete patient.id;
        return patient;
      },
      saves: 'providerPatientId',
    },
    {
      id: 'provider-consent',
      narration:
        'At assessment the person agrees that the provider shares attendance and progress with probation (a Consent on its FHIR server)',
      method: 'POST',
      path: '/sandbox/fhir/slam-mhtr/Consent',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: (state) => {
        const consent = providerRecord('consent-share-with-probation', 'consent', {
          dateTime: daysAgo(now, 20, 14).toISOString(),
        })(state) as { provision: { period: { start: string; end: string } } };
        consent.provision.period = {
          start: isoDay(daysAgo(now, 20, 0)),
          end: isoDay(new Date(now.getTime() + 365 * 86_400_000)),
        };
        return consent;
      },
    },
    {
      id: 'appointment-attended',
      narration: 'Treatment session 3: attended',
      method: 'POST',
      path: '/sandbox/fhir/slam-mhtr/Appointment',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: providerRecord('appointment-fulfilled-session', 's3', session(2)),
    },
    {
      id: 'appointment-missed',
      narration:
        'Treatment session 5: missed; the clinician judges the absence unacceptable and asks that the officer be told',
      method: 'POST',
      path: '/sandbox/fhir/slam-mhtr/Appointment',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: providerRecord('appointment-noshow-unacceptable', 's5', session(1)),
    },
    {
      id: 'risk-changed',
      narration: 'Probation registers a high risk of serious harm (RoSH) in Delius',
      method: 'POST',
      path: '/sandbox/delius/nps-london-croydon/send/domain-event',
      body: domainEvent('registration-added-rosh-high'),
    },
    {
      id: 'episode-ended',
      narration: 'The provider ends the treatment episode: completed',
      method: 'POST',
      path: '/sandbox/fhir/slam-mhtr/EpisodeOfCare',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: providerRecord('episode-of-care-completed', 'end', {
        period: { start: daysAgo(now, 30, 9).toISOString(), end: now.toISOString() },
      }),
    },
  ];
}

/** False when the demo was turned off: `--no-demo`, or `DEMO=off` (also `0`, `false`, `no`). */
export function demoWanted(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): boolean {
  if (argv.includes('--no-demo')) return false;
  return !['off', '0', 'false', 'no'].includes((env.DEMO ?? '').trim().toLowerCase());
}
