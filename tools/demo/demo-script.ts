/**
 * The demo's pathway, as requests to the partner sandbox's stand-ins only (the partners' own
 * protocols; apps/partner-sandbox/README.md): a Croydon court list with three defendants, one of
 * whom — Jordan Marsh, known to the sandbox's Delius (CRN X412563) and PDS (NHS 9990000123) — goes
 * through the MHTR pathway; then one on a DRR — Shannon Price of the fixtures (Delius CRN X508214,
 * PNC ID 2021/0113578Y) — through the drug and alcohol service's FHIR case system: treatment
 * started, two drug tests (one positive), a missed session, and a court review. Pure: payloads come from the partner fixtures, made unique per run
 * (ids, dates) so that a second demo on the same stack is not taken for a redelivery.
 */

/** The person who goes through the pathway (identifiers the sandbox's data knows). */
export const DEMO_PERSON = {
  name: 'Jordan Marsh',
  crn: 'X412563',
  nhsNumber: '9990000123',
  pncId: '2019/0046512V',
} as const;

/** The person on a DRR (the fixtures' suspended sentence with a DRR; a case in the sandbox's Delius). */
export const DRR_PERSON = {
  name: 'Shannon Price',
  crn: 'X508214',
  pncId: '2021/0113578Y',
  forename: 'Shannon',
  surname: 'Price',
  dateOfBirth: '1987-09-02',
} as const;

/** The drug and alcohol service of config/partners.yaml, as Delius names it (ODS code). */
const DRUG_SERVICE = {
  id: 'sl-drug-alcohol-service',
  code: 'NDA',
  name: 'South London Community Drug and Alcohol Service (DRR and ATR)',
};

const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
const CRN_SYSTEM = 'https://cstr-hub.org.uk/fhir/Id/crn';
const PNC_ID_SYSTEM = 'https://cstr-hub.org.uk/fhir/Id/pnc-id';

/** What the steps are built from. */
export interface DemoRun {
  /** Short and unique per run (letters and digits). */
  readonly runId: string;
  /** A UUID unique per run (the Common Platform hearing id of the sentencing hearing). */
  readonly hearingId: string;
  /** UUIDs unique per run: the DRR sentencing hearing and the review hearing. */
  readonly drrHearingId: string;
  readonly reviewHearingId: string;
  readonly now: Date;
  /** A partner fixture (`libs/fhir/test/fixtures/partner/<folder>/<name>.json`), parsed. */
  readonly fixture: (folder: string, name: string) => unknown;
}

/** What earlier steps returned that later ones need. */
export interface DemoState {
  /** The provider's server id of the person's Patient. */
  providerPatientId?: string;
  /** The drug and alcohol service's server id of the DRR person's Patient. */
  drugServicePatientId?: string;
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
  /**
   * The event type the hub must decide on before the step is done: a provider the adapter polls
   * (no subscriptions) shows its change only at the next poll, after the step's flows look settled.
   */
  readonly awaits?: string;
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

  return [...mhtrSteps(run, record, providerRecord, session, domainEvent), ...drrSteps(run, record)];
}

type RecordOf = (folder: string, name: string) => Record<string, unknown>;

function mhtrSteps(
  run: DemoRun,
  record: RecordOf,
  providerRecord: (name: string, suffix: string, times: Record<string, unknown>) => (state: DemoState) => unknown,
  session: (days: number) => { start: string; end: string },
  domainEvent: (fixture: string) => () => unknown,
): DemoStep[] {
  const { runId, now } = run;
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
        // Equality monitoring as the practitioner records it: it reaches the hub's dataset only.
        (screening.person as Record<string, unknown>).equality = {
          ethnicCategory: 'A',
          disability: ['mental-health'],
          interpreterRequired: false,
        };
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

/**
 * The DRR person: probation asks the drug and alcohol service for the assessment, the court
 * sentences, the service records treatment started, two drug tests (the second positive) and a
 * missed session on its FHIR server, and the court lists and holds a review of the DRR.
 */
function drrSteps(run: DemoRun, record: RecordOf): DemoStep[] {
  const { runId, now } = run;
  const fhir = `/sandbox/fhir/${DRUG_SERVICE.id}`;
  const fhirJson = { 'Content-Type': 'application/fhir+json' };
  const patientRef = (state: DemoState): string => {
    if (!state.drugServicePatientId) throw new Error('The drug and alcohol service has no Patient for the person yet.');
    return `Patient/${state.drugServicePatientId}`;
  };
  const ownIdentifier = (resource: Record<string, unknown>, suffix: string): void => {
    delete resource.id;
    const identifier = resource.identifier as { value: string }[];
    identifier[0].value = `${identifier[0].value}-${runId}-${suffix}`;
  };
  const drugTest = (suffix: string, days: number, opiates: 'positive' | 'negative') => (state: DemoState) => {
    const test = record('provider', 'observation-drug-test');
    ownIdentifier(test, suffix);
    delete test.note;
    test.subject = { reference: patientRef(state) };
    test.effectiveDateTime = daysAgo(now, days, 10).toISOString();
    (
      test.component as { valueCodeableConcept: { coding: { code: string }[] } }[]
    )[0].valueCodeableConcept.coding[0].code = opiates;
    (
      test.component as { valueCodeableConcept: { coding: { code: string }[] } }[]
    )[1].valueCodeableConcept.coding[0].code = 'negative';
    return test;
  };
  /** A Common Platform hearing of the DRR person at Croydon. */
  const croydonHearing = (name: string, id: string) => {
    const hearing = record('common-platform', name) as {
      hearing: { id: string; courtCentre: Record<string, unknown> };
    };
    hearing.hearing.id = id;
    hearing.hearing.courtCentre = {
      ...hearing.hearing.courtCentre,
      code: 'B01CY00',
      name: "Croydon Magistrates' Court",
    };
    return hearing;
  };
  return [
    {
      id: 'drr-psr-requested',
      narration: `Probation (Delius, Croydon) asks the drug and alcohol service to assess ${DRR_PERSON.name} for a DRR, for the pre-sentence report`,
      method: 'POST',
      path: '/sandbox/delius/nps-london-croydon/send/domain-event',
      body: () => {
        const event = record('hmpps', 'psr-requested.event');
        const detail = record('hmpps', 'psr-requested.detail') as { person: unknown; report: Record<string, unknown> };
        const reportId = String(2_000_000_000 + (Date.parse(now.toISOString()) % 100_000_000));
        detail.person = {
          crn: DRR_PERSON.crn,
          name: { forename: DRR_PERSON.forename, surname: DRR_PERSON.surname },
          dateOfBirth: DRR_PERSON.dateOfBirth,
          pncNumber: DRR_PERSON.pncId,
        };
        detail.report = {
          ...detail.report,
          id: reportId,
          requestedAt: now.toISOString(),
          requiredBy: new Date(now.getTime() + 5 * 3_600_000).toISOString(),
          requirementsConsidered: ['Drug rehabilitation requirement'],
          treatmentProvider: { code: DRUG_SERVICE.code, name: DRUG_SERVICE.name },
        };
        delete event.detailUrl;
        return {
          ...event,
          occurredAt: now.toISOString(),
          additionalInformation: { reportId, reportType: 'Standard delivery report' },
          personReference: { identifiers: [{ type: 'CRN', value: DRR_PERSON.crn }] },
          detail,
        };
      },
    },
    {
      id: 'drr-service-patient',
      narration: 'The drug and alcohol service finds or registers the person on its FHIR case system',
      method: 'POST',
      path: `${fhir}/Patient`,
      headers: { 'If-None-Exist': `identifier=${CRN_SYSTEM}|${DRR_PERSON.crn}`, ...fhirJson },
      body: () => ({
        resourceType: 'Patient',
        identifier: [
          { system: CRN_SYSTEM, value: DRR_PERSON.crn },
          { system: PNC_ID_SYSTEM, value: DRR_PERSON.pncId },
        ],
        name: [{ use: 'official', family: DRR_PERSON.surname, given: [DRR_PERSON.forename] }],
        birthDate: DRR_PERSON.dateOfBirth,
        gender: 'female',
      }),
      saves: 'drugServicePatientId',
    },
    {
      id: 'drr-sentence',
      narration:
        'The court sentences: suspended sentence order with a drug rehabilitation requirement and monthly reviews',
      method: 'POST',
      path: '/sandbox/hmcts/croydon-mc/send/result',
      body: () => croydonHearing('hearing-resulted-suspended-sentence-drr', run.drrHearingId),
    },
    {
      id: 'drr-treatment-started',
      awaits: 'treatment.started',
      narration:
        'The service starts treatment the next day (specialist prescribing): within the 2-working-day DRR standard',
      method: 'POST',
      path: `${fhir}/EpisodeOfCare`,
      headers: fhirJson,
      body: (state) => {
        const episode = record('provider', 'episode-of-care-drr-started');
        ownIdentifier(episode, 'ep');
        delete episode.diagnosis;
        episode.patient = { reference: patientRef(state) };
        episode.period = { start: isoDay(now) };
        return episode;
      },
    },
    {
      id: 'drr-drug-test-negative',
      awaits: 'treatment.drug-test.resulted',
      narration: 'Drug test 1 (oral fluid): opiates and cocaine negative',
      method: 'POST',
      path: `${fhir}/Observation`,
      headers: fhirJson,
      body: drugTest('dt1', 7, 'negative'),
    },
    {
      id: 'drr-drug-test-positive',
      awaits: 'treatment.drug-test.resulted',
      narration: 'Drug test 2: opiates positive, cocaine negative — the results go to probation only',
      method: 'POST',
      path: `${fhir}/Observation`,
      headers: fhirJson,
      body: drugTest('dt2', 1, 'positive'),
    },
    {
      id: 'drr-session-missed',
      awaits: 'treatment.appointment.missed',
      narration: 'A keywork session is missed; the keyworker judges the absence unacceptable',
      method: 'POST',
      path: `${fhir}/Appointment`,
      headers: fhirJson,
      body: (state) => {
        const missed = record('provider', 'appointment-noshow-unacceptable');
        ownIdentifier(missed, 'miss');
        (missed.participant as { actor: { reference: string } }[])[0].actor.reference = patientRef(state);
        const start = daysAgo(now, 2, 11);
        return { ...missed, start: start.toISOString(), end: new Date(start.getTime() + 50 * 60_000).toISOString() };
      },
    },
    {
      id: 'drr-review-listed',
      narration:
        'The court lists the monthly review of the DRR: probation owes a written review report with the test results',
      method: 'POST',
      path: '/sandbox/hmcts/croydon-mc/send/hearing',
      body: () => croydonHearing('hearing-listed-drr-review', run.reviewHearingId),
    },
    {
      id: 'drr-review-resulted',
      narration: 'At the review the court finds progress satisfactory and lists the next review',
      method: 'POST',
      path: '/sandbox/hmcts/croydon-mc/send/result',
      body: () => croydonHearing('hearing-resulted-drr-review', run.reviewHearingId),
    },
  ];
}

/** False when the demo was turned off: `--no-demo`, or `DEMO=off` (also `0`, `false`, `no`). */
export function demoWanted(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): boolean {
  if (argv.includes('--no-demo')) return false;
  return !['off', '0', 'false', 'no'].includes((env.DEMO ?? '').trim().toLowerCase());
}
