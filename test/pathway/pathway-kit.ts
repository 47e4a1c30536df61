/**
 * The whole system for pathway tests and the pathway benchmark, and the partner actions they
 * drive it with — each through the partner's own protocol: the Delius stand-in (cases, domain
 * events), the provider's FHIR server (Patient, Consent, Appointment, RiskAssessment writes) and
 * Common Platform result pushes.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { PathwaySystem, demoPrincipal, eventually, type TestEnvironment } from '@cstr/testing';
import { partnerFixture } from '@cstr/fixtures/fhir/partner/partner-files';
import { gpRegistrationAdapterApp } from '../../apps/gp-registration-adapter/src/gp-registration-adapter.app';
import { hmctsListingsAdapterApp } from '../../apps/hmcts-listings-adapter/src/hmcts-listings-adapter.app';
import { hubApp } from '../../apps/hub/src/hub.app';
import { ldAdapterApp } from '../../apps/ld-adapter/src/ld-adapter.app';
import { ndeliusAdapterApp } from '../../apps/ndelius-adapter/src/ndelius-adapter.app';
import { partnerSandboxApp } from '../../apps/partner-sandbox/src/partner-sandbox.app';
import { secondaryCareAdapterApp } from '../../apps/secondary-care-adapter/src/secondary-care-adapter.app';

/** Partner payloads of libs/fhir/test/fixtures/partner, parsed afresh. */
export { partnerFixture };

export const COURT = 'croydon-mc';
export const CROYDON = 'nps-london-croydon';
export const LAMBETH = 'nps-london-lambeth';
export const SLAM = 'slam-mhtr';
export const ST_ANDREWS = 'st-andrews-mhtr';
/** The community drug and alcohol service (DRR, ATR): a FHIR case system without rest-hooks. */
export const DRUG_SERVICE = 'sl-drug-alcohol-service';
/** The service as Delius names it in a PSR request (its ODS code in config/partners.yaml). */
export const DRUG_SERVICE_ORGANIZATION = {
  code: 'NDA',
  name: 'South London Community Drug and Alcohol Service (DRR and ATR)',
};

/** The IG lead and the operator of config/principals.yaml (demo secrets). */
export const IG_LEAD = demoPrincipal('ig-lead');
export const OPERATOR = demoPrincipal('hub-operator');

/**
 * Retry schedule of the Lambeth Delius adapter: 1 s, then 5 s fourteen times (71 s in all, longer
 * than the minute Delius is down in the outage test), made only of the delay queues the stack
 * provisions. The default (1 s, 5 s, 30 s, 2 min, 10 min: 12.6 min before the DLQ) outlasts a
 * minute too, but would bring a contact back up to 2 min after Delius recovers.
 */
export const OUTAGE_RETRY_DELAYS_MS = ['1000', ...Array.from({ length: 14 }, () => '5000')].join(',');

/**
 * Boots the hub, the sandbox and an adapter for every partner the pathway needs; `appEnv` adds
 * keys to every app (e.g. `LOG_LEVEL`).
 */
export function startPathwaySystem(
  env: TestEnvironment,
  appEnv: Readonly<Record<string, string>> = {},
): Promise<PathwaySystem> {
  return PathwaySystem.start(env, {
    hub: hubApp,
    sandbox: partnerSandboxApp,
    hubEnv: appEnv,
    sandboxEnv: appEnv,
    adapters: [
      { definition: hmctsListingsAdapterApp, partnerId: COURT },
      { definition: ldAdapterApp, partnerId: 'sl-liaison-diversion' },
      { definition: ndeliusAdapterApp, partnerId: CROYDON, env: { DELIUS_TIMEOUT_MS: '2000' } },
      {
        definition: ndeliusAdapterApp,
        partnerId: LAMBETH,
        env: { DELIUS_TIMEOUT_MS: '2000', RETRY_DELAYS_MS: OUTAGE_RETRY_DELAYS_MS },
      },
      { definition: secondaryCareAdapterApp, partnerId: SLAM },
      // No rest-hook subscriptions on this server: a short polling interval, so a write to it would show.
      { definition: secondaryCareAdapterApp, partnerId: ST_ANDREWS, env: { POLL_INTERVAL_MS: '1000' } },
      { definition: gpRegistrationAdapterApp, partnerId: 'pds-gp-registration' },
      // The drug and alcohol service's server has no rest-hooks either: the adapter polls it.
      { definition: secondaryCareAdapterApp, partnerId: DRUG_SERVICE, env: { POLL_INTERVAL_MS: '1000' } },
    ].map((adapter) => ({ ...adapter, env: { ...appEnv, ...adapter.env } })),
  });
}

/** A person new to every system: a fresh CRN and NHS number (Modulus 11). */
export interface Person {
  readonly crn: string;
  readonly nhsNumber: string;
  readonly forename: string;
  readonly surname: string;
  readonly dateOfBirth: string;
}

export function newPerson(surname = 'Testperson'): Person {
  return {
    crn: `Y${String(randomInt(0, 1_000_000)).padStart(6, '0')}`,
    nhsNumber: newNhsNumber(),
    forename: 'Alex',
    surname,
    dateOfBirth: '1990-05-17',
  };
}

/** A valid NHS number in the 999 test range. */
function newNhsNumber(): string {
  for (;;) {
    const digits = `999${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
    const sum = [...digits].reduce((total, digit, index) => total + Number(digit) * (10 - index), 0);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    return `${digits}${check === 11 ? 0 : check}`;
  }
}

/** The Jordan Marsh of the fixtures (Delius stand-in, provider and court fixtures). */
export const JORDAN: Person = {
  crn: 'X412563',
  nhsNumber: '9990000123',
  forename: 'Jordan',
  surname: 'Marsh',
  dateOfBirth: '1991-03-14',
};

/** Delius opens a case for the person (the stand-in's `POST cases`). */
export async function deliusOpensCase(system: PathwaySystem, probation: string, person: Person): Promise<void> {
  const { status } = await system.callSandbox('POST', `/sandbox/delius/${probation}/cases`, {
    crn: person.crn,
    name: { forename: person.forename, surname: person.surname },
    dateOfBirth: person.dateOfBirth,
    nhsNumber: person.nhsNumber,
  });
  if (status !== 201) throw new Error(`Delius stand-in refused the case: ${status}`);
}

/**
 * Delius registers high RoSH for the person: the domain event goes to the probation adapter,
 * which fetches the (allow-listed) detail and publishes risk.changed — probation now knows the
 * person, and its identifiers (CRN with NHS number) are linked.
 */
export async function deliusRegistersRosh(system: PathwaySystem, probation: string, person: Person): Promise<void> {
  const event = structuredClone(partnerFixture('hmpps', 'registration-added-rosh-high.event.json')) as Record<
    string,
    unknown
  >;
  const detail = structuredClone(partnerFixture('hmpps', 'registration-added-rosh-high.detail.json')) as {
    person: Record<string, unknown>;
    registration: Record<string, unknown>;
  };
  const samePerson = person.crn === JORDAN.crn;
  detail.person = samePerson
    ? detail.person
    : {
        crn: person.crn,
        name: { forename: person.forename, surname: person.surname },
        dateOfBirth: person.dateOfBirth,
        nhsNumber: person.nhsNumber,
      };
  detail.registration.id = randomInt(1_000_000, 2_000_000_000);
  delete event.detailUrl;
  const body = {
    ...event,
    occurredAt: new Date().toISOString(),
    personReference: { identifiers: [{ type: 'CRN', value: person.crn }] },
    detail,
  };
  const sent = await system.callSandbox('POST', `/sandbox/delius/${probation}/send/domain-event`, body);
  if (sent.body.adapterStatus !== 202)
    throw new Error(`The probation adapter did not take the domain event: ${JSON.stringify(sent.body)}`);
}

/**
 * Delius allocates the person's case to a responsible officer: the domain event (detail embedded)
 * goes to the probation adapter, which publishes probation.case.allocated — the role that
 * connects probation to the person. Resolves once the hub has audited it.
 */
export async function deliusAllocatesCase(system: PathwaySystem, probation: string, person: Person): Promise<void> {
  const event = structuredClone(partnerFixture('hmpps', 'case-allocated.event.json')) as Record<string, unknown>;
  const detail = structuredClone(partnerFixture('hmpps', 'case-allocated.detail.json')) as Record<string, unknown>;
  detail.person = {
    crn: person.crn,
    name: { forename: person.forename, surname: person.surname },
    dateOfBirth: person.dateOfBirth,
    nhsNumber: person.nhsNumber,
  };
  delete event.detailUrl;
  const sent = await system.callSandbox('POST', `/sandbox/delius/${probation}/send/domain-event`, {
    ...event,
    occurredAt: new Date().toISOString(),
    additionalInformation: { eventNumber: String(randomInt(1, 1_000)) },
    personReference: { identifiers: [{ type: 'CRN', value: person.crn }] },
    detail,
  });
  if (sent.body.adapterStatus !== 202)
    throw new Error(`The probation adapter did not take the allocation: ${String(sent.body.adapterStatus)}`);
  await auditedAbout(system, 'probation.case.allocated', person);
}

/**
 * Delius requests a pre-sentence report from the provider (its ODS code, as Delius names it): the
 * domain event goes to the probation adapter, which publishes probation.psr.requested — probation
 * is connected as the requester, the provider as the service the request names (SPEC §5).
 * Resolves once the hub has audited it.
 */
export async function deliusRequestsPsr(
  system: PathwaySystem,
  probation: string,
  person: Person,
  provider?: { readonly code: string; readonly name: string; readonly requirements: readonly string[] },
): Promise<void> {
  const event = structuredClone(partnerFixture('hmpps', 'psr-requested.event.json')) as Record<string, unknown>;
  const detail = structuredClone(partnerFixture('hmpps', 'psr-requested.detail.json')) as {
    person: Record<string, unknown>;
    report: Record<string, unknown>;
  };
  if (person.crn !== JORDAN.crn) {
    detail.person = {
      crn: person.crn,
      name: { forename: person.forename, surname: person.surname },
      dateOfBirth: person.dateOfBirth,
      nhsNumber: person.nhsNumber,
    };
  }
  detail.report.id = String(randomInt(1_000_000, 2_000_000_000));
  if (provider) {
    detail.report.treatmentProvider = { code: provider.code, name: provider.name };
    detail.report.requirementsConsidered = [...provider.requirements];
  }
  delete event.detailUrl;
  const sent = await system.callSandbox('POST', `/sandbox/delius/${probation}/send/domain-event`, {
    ...event,
    occurredAt: new Date().toISOString(),
    additionalInformation: { reportId: detail.report.id, reportType: 'Standard delivery report' },
    personReference: { identifiers: [{ type: 'CRN', value: person.crn }] },
    detail,
  });
  if (sent.body.adapterStatus !== 202)
    throw new Error(`The probation adapter did not take the PSR request: ${String(sent.body.adapterStatus)}`);
  await auditedAbout(system, 'probation.psr.requested', person);
}

/** The provider records the person on its FHIR server; the server's Patient id. */
export async function providerRecordsPatient(system: PathwaySystem, provider: string, person: Person): Promise<string> {
  const patient = structuredClone(partnerFixture('provider', 'patient.json')) as {
    identifier: { system: string; value: string }[];
    name: unknown;
    birthDate: string;
  };
  patient.identifier = [
    { system: 'https://fhir.slam.example.nhs.uk/Id/local-patient-id', value: `MRN-${randomInt(100_000, 999_999)}` },
    { system: 'https://fhir.nhs.uk/Id/nhs-number', value: person.nhsNumber },
    { system: 'https://cstr-hub.org.uk/fhir/Id/crn', value: person.crn },
  ];
  patient.name = [{ use: 'official', family: person.surname, given: [person.forename] }];
  patient.birthDate = person.dateOfBirth;
  const created = await system.callSandbox('POST', `/sandbox/fhir/${provider}/Patient`, patient);
  if (created.status !== 201) throw new Error(`FHIR server refused the Patient: ${created.status}`);
  return String(created.body.id);
}

/** The clinical free text of the no-show fixture: it must never reach probation. */
export const CLINICAL_DETAIL = 'relapse';

/**
 * The provider records a missed session (`noshow`) with the clinician's view of its
 * significance; `start` tells the appointments apart (Delius gets it as the contact date).
 */
export async function providerRecordsNoShow(
  system: PathwaySystem,
  provider: string,
  patientId: string,
  start: Date,
  significance: 'acceptable' | 'unacceptable' | 'logistics' = 'acceptable',
): Promise<void> {
  const appointment = structuredClone(partnerFixture('provider', 'appointment-noshow-unacceptable.json')) as {
    identifier: { system: string; value: string }[];
    extension: {
      url: string;
      extension?: { url: string; valueCodeableConcept?: { coding: { code: string; display?: string }[] } }[];
    }[];
    participant: { actor: { reference: string } }[];
    start: string;
    end: string;
  };
  appointment.identifier[0].value = `APPT-${randomUUID()}`;
  const coding = appointment.extension
    .flatMap((each) => each.extension ?? [])
    .find((each) => each.url === 'significance')?.valueCodeableConcept?.coding[0];
  if (coding) {
    coding.code = significance;
    delete coding.display;
  }
  appointment.participant[0].actor.reference = `Patient/${patientId}`;
  appointment.start = start.toISOString();
  appointment.end = new Date(start.getTime() + 50 * 60_000).toISOString();
  const created = await system.callSandbox('POST', `/sandbox/fhir/${provider}/Appointment`, appointment);
  if (created.status !== 201) throw new Error(`FHIR server refused the Appointment: ${created.status}`);
}

/**
 * The provider records the person's consent on its own FHIR server (the Consent of the provider
 * fixture: sharing attendance with every London probation team, ODS code `N07`); resolves with the
 * Consent's id once the hub has audited the consent.recorded the provider's adapter sent.
 */
export async function providerRecordsConsent(
  system: PathwaySystem,
  provider: string,
  patientId: string,
  person: Person,
): Promise<string> {
  const consent = structuredClone(partnerFixture('provider', 'consent-share-with-probation.json')) as {
    identifier: { value: string }[];
    patient: { reference: string };
    dateTime: string;
    provision: { period: { start: string; end: string } };
  };
  const now = new Date().toISOString();
  consent.identifier[0].value = `CONSENT-${randomUUID()}`;
  consent.patient.reference = `Patient/${patientId}`;
  consent.dateTime = now;
  consent.provision.period = { start: now.slice(0, 10), end: '2027-12-31' };
  const created = await system.callSandbox('POST', `/sandbox/fhir/${provider}/Consent`, consent);
  if (created.status !== 201) throw new Error(`FHIR server refused the Consent: ${created.status}`);
  await auditedAbout(system, 'consent.recorded', person);
  return String(created.body.id);
}

/** The provider records on its FHIR server that the person withdrew the consent (a new version, inactive); resolves once the hub has audited it. */
export async function providerWithdrawsConsent(
  system: PathwaySystem,
  provider: string,
  consentId: string,
  person: Person,
): Promise<void> {
  const current = await system.callSandbox('GET', `/sandbox/fhir/${provider}/Consent/${consentId}`);
  if (current.status !== 200) throw new Error(`FHIR server has no Consent/${consentId}: ${current.status}`);
  const updated = await system.callSandbox('PUT', `/sandbox/fhir/${provider}/Consent/${consentId}`, {
    ...current.body,
    status: 'inactive',
  });
  if (updated.status !== 200) throw new Error(`FHIR server refused the withdrawal: ${updated.status}`);
  await auditedAbout(system, 'consent.withdrawn', person);
}

/** The hub's audit records of events of `type` about the person (as the IG lead reads them), once there is at least one. */
export async function auditedAbout(
  system: PathwaySystem,
  type: string,
  person: Person,
  timeoutMs = 30_000,
): Promise<string> {
  const entries = await eventually(
    async () => {
      const { status, body } = await system.callHub(IG_LEAD, 'GET', `/audit?event=${type}&person=${person.crn}`);
      return status === 200 ? ((body.entry ?? []) as unknown[]) : [];
    },
    (found) => found.length > 0,
    timeoutMs,
    200,
  ).catch(() => {
    throw new Error(`No audit record of ${type} about ${person.crn} within ${timeoutMs} ms`);
  });
  return JSON.stringify(entries);
}

/** The hub's audit records of one event (as the IG lead reads them), once there is at least one. */
export async function auditedEvent(system: PathwaySystem, eventId: string, timeoutMs = 15_000): Promise<string> {
  const entries = await eventually(
    async () => {
      const { status, body } = await system.callHub(IG_LEAD, 'GET', '/audit?limit=100');
      return status === 200 ? ((body.entry ?? []) as unknown[]) : [];
    },
    (found) => found.some((entry) => JSON.stringify(entry).includes(eventId)),
    timeoutMs,
    200,
  ).catch(() => {
    throw new Error(`No audit record of ${eventId} within ${timeoutMs} ms`);
  });
  return JSON.stringify(entries.filter((entry) => JSON.stringify(entry).includes(eventId)));
}

/** A Delius contact or alert as the stand-in holds it. */
export interface DeliusEntry {
  readonly type: string;
  readonly date: string;
  readonly notes?: string;
  readonly externalReference?: string;
  readonly createdAt?: string;
}

/** The contacts (or alerts) on the person's Delius case. */
export async function deliusEntries(
  system: PathwaySystem,
  probation: string,
  crn: string,
  what: 'contacts' | 'alerts',
): Promise<DeliusEntry[]> {
  const { status, body } = await system.callSandbox('GET', `/sandbox/delius/${probation}/case/${crn}/${what}`);
  if (status !== 200) throw new Error(`Delius stand-in answered ${status}`);
  return body.content as DeliusEntry[];
}

/**
 * A person probation supervises (case, allocation, a PSR asking the provider to assess them, a RoSH
 * registration) and the provider treats, with consent (recorded on the provider's FHIR server) to
 * share attendance: each partner connected by its role in the person's care.
 */
export async function personInTreatment(
  system: PathwaySystem,
  probation: string,
  provider = SLAM,
): Promise<{ person: Person; patientId: string; consentId: string }> {
  const person = newPerson();
  await deliusOpensCase(system, probation, person);
  // The provider knows the person first, so that what the hub delivers finds its Patient (conditional create).
  const patientId = await providerRecordsPatient(system, provider, person);
  await deliusAllocatesCase(system, probation, person);
  await deliusRequestsPsr(system, probation, person);
  await deliusRegistersRosh(system, probation, person);
  const consentId = await providerRecordsConsent(system, provider, patientId, person);
  return { person, patientId, consentId };
}

/**
 * Records `count` missed appointments for the person on the provider's FHIR server, `perSecond`
 * of them a second, and measures from each FHIR write to its contact arriving at the Delius
 * stand-in (the stand-in's own receive time). Resolves with the latencies in ms, sorted.
 */
export async function measureNonAttendance(
  system: PathwaySystem,
  probation: string,
  provider: string,
  subject: { person: Person; patientId: string },
  count: number,
  perSecond: number,
  timeoutMs: number,
): Promise<number[]> {
  // Distinct appointment starts: the contact date tells which write a contact came from.
  const base = Date.UTC(2027, 0, 4, 9, 0, 0) + randomInt(0, 1_000) * 86_400_000;
  const startOf = (index: number): string => new Date(base + index * 60_000).toISOString();
  const writtenAt = new Map<number, number>();
  const started = Date.now();
  const writes: Promise<void>[] = [];
  for (let index = 0; index < count; index += 1) {
    const due = started + (index * 1000) / perSecond;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    writtenAt.set(Date.parse(startOf(index)), Date.now());
    writes.push(providerRecordsNoShow(system, provider, subject.patientId, new Date(startOf(index))));
  }
  await Promise.all(writes);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = await system.received<{
      direction: string;
      at: string;
      url: string;
      status: number;
      body?: { type?: string; date?: string };
    }>('delius', { partner: probation, identifier: subject.person.crn });
    const arrived = new Map<number, number>();
    for (const record of records) {
      if (
        record.direction !== 'received' ||
        record.status !== 201 ||
        !record.url.endsWith('/contacts') ||
        !record.body?.date
      )
        continue;
      const start = Date.parse(record.body.date);
      if (writtenAt.has(start) && !arrived.has(start)) arrived.set(start, Date.parse(record.at));
    }
    if (arrived.size === count)
      return [...arrived].map(([start, at]) => at - (writtenAt.get(start) as number)).sort((a, b) => a - b);
    if (Date.now() > deadline) throw new Error(`${arrived.size} of ${count} contacts arrived within ${timeoutMs} ms`);
    // Arrival times are the stand-in's own: polling seldom changes nothing but the load.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

/**
 * The service records on its FHIR server that treatment started (an active EpisodeOfCare of the
 * requirement, `period.start` today) and, when `substances` are given, a drug test with a result per
 * substance (an Observation with a component per substance).
 */
export async function serviceRecordsTreatment(
  system: PathwaySystem,
  service: string,
  patientId: string,
  requirement: 'drr' | 'atr',
  substances: Readonly<Record<string, 'positive' | 'negative'>> = {},
): Promise<void> {
  const episode = structuredClone(partnerFixture('provider', 'episode-of-care-drr-started.json')) as Record<
    string,
    unknown
  > & { type: { coding: { code: string }[] }[]; identifier: { value: string }[] };
  episode.type[0].coding[0].code = requirement;
  episode.identifier[0].value = `EP-${randomInt(100_000, 999_999)}`;
  episode.patient = { reference: `Patient/${patientId}` };
  episode.period = { start: new Date().toISOString().slice(0, 10) };
  const started = await system.callSandbox('POST', `/sandbox/fhir/${service}/EpisodeOfCare`, episode);
  if (started.status !== 201) throw new Error(`FHIR server refused the EpisodeOfCare: ${started.status}`);
  if (Object.keys(substances).length === 0) return;
  const test = structuredClone(partnerFixture('provider', 'observation-drug-test.json')) as Record<string, unknown> & {
    identifier: { value: string }[];
  };
  test.identifier[0].value = `DT-${randomInt(100_000, 999_999)}`;
  test.subject = { reference: `Patient/${patientId}` };
  test.effectiveDateTime = new Date().toISOString();
  test.component = Object.entries(substances).map(([substance, result]) => ({
    code: { coding: [{ system: 'https://cstr-hub.org.uk/fhir/CodeSystem/drug-test-substance', code: substance }] },
    valueCodeableConcept: {
      coding: [{ system: 'https://cstr-hub.org.uk/fhir/CodeSystem/drug-test-result', code: result }],
    },
  }));
  const tested = await system.callSandbox('POST', `/sandbox/fhir/${service}/Observation`, test);
  if (tested.status !== 201) throw new Error(`FHIR server refused the drug test: ${tested.status}`);
}
