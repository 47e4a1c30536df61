import { randomUUID } from 'node:crypto';
import { deadLetterQueue, partnerInboxQueue } from '@cstr/contracts';
import { eventually, percentile, testEnvironment, type PathwaySystem } from '@cstr/testing';
import {
  CLINICAL_DETAIL,
  CROYDON,
  DRUG_SERVICE,
  DRUG_SERVICE_ORGANIZATION,
  IG_LEAD,
  JORDAN,
  LAMBETH,
  OPERATOR,
  SLAM,
  ST_ANDREWS,
  auditedAbout,
  auditedEvent,
  deliusEntries,
  deliusOpensCase,
  deliusAllocatesCase,
  deliusRegistersRosh,
  deliusRequestsPsr,
  measureNonAttendance,
  newPerson,
  partnerFixture,
  personInTreatment,
  providerRecordsNoShow,
  providerRecordsConsent,
  providerRecordsPatient,
  providerWithdrawsConsent,
  serviceRecordsTreatment,
  startPathwaySystem,
} from './pathway-kit';

/** Jordan Marsh's PNC ID: the court's result knows him by it (Delius linked it to his CRN and NHS number). */
const JORDAN_PNC = '2019/0046512V';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The CSTR pathway (SPEC §1) through every app: the hub, the sandbox's partner stand-ins and one
 * adapter per partner, on the real broker and database. Partners act only through their own
 * systems; the tests look at what the stand-ins received and at the hub's HTTP API.
 */
describe('the CSTR pathway end to end', () => {
  const env = testEnvironment();
  let system: PathwaySystem;
  /** The Delius-down-for-a-minute scenario, run alongside the other tests; settles with its failure, if any. */
  let outage: Promise<Error | undefined>;

  beforeAll(async () => {
    system = await startPathwaySystem(env);
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
  });

  /**
   * Lambeth's Delius answers 503 for 60 s while the provider records ten missed sessions; then
   * it recovers. Every contact must arrive, each exactly once.
   */
  async function deliusDownForAMinute(): Promise<{
    expected: number;
    contacts: { externalReference?: string; date: string }[];
  }> {
    const subject = await personInTreatment(system, LAMBETH);
    await system.callSandbox('POST', `/sandbox/delius/${LAMBETH}/control`, { failWith: 503, delayMs: 0 });
    const downSince = Date.now();
    try {
      for (let index = 0; index < 10; index += 1) {
        await providerRecordsNoShow(system, SLAM, subject.patientId, new Date(Date.UTC(2027, 1, 1, 9 + index)));
        await sleep(1_000);
      }
      // Every contact has failed at least once before Delius comes back.
      await eventually(
        () =>
          system.received<{ status: number; url: string }>('delius', {
            partner: LAMBETH,
            identifier: subject.person.crn,
          }),
        (records) => records.filter((record) => record.status === 503 && record.url.endsWith('/contacts')).length >= 10,
        30_000,
        500,
      );
      await sleep(Math.max(0, downSince + 60_000 - Date.now()));
    } finally {
      await system.callSandbox('POST', `/sandbox/delius/${LAMBETH}/control`, { failWith: null, delayMs: 0 });
    }
    await eventually(
      () => deliusEntries(system, LAMBETH, subject.person.crn, 'contacts'),
      (contacts) => contacts.length >= 10,
      30_000,
      500,
    );
    // Redeliveries still in flight would show as a second contact: give them time.
    await sleep(6_000);
    return { expected: 10, contacts: await deliusEntries(system, LAMBETH, subject.person.crn, 'contacts') };
  }

  it('starts the Delius outage scenario (checked by the last test)', () => {
    outage = deliusDownForAMinute().then(
      ({ expected, contacts }) => {
        const references = contacts.map((contact) => contact.externalReference);
        if (contacts.length !== expected || new Set(references).size !== expected)
          return new Error(`expected ${expected} distinct contacts, got ${JSON.stringify(contacts)}`);
        return undefined;
      },
      (error: unknown) => error as Error,
    );
    expect(outage).toBeInstanceOf(Promise);
  });

  it('a missed appointment on the provider FHIR server reaches Delius within 2 s as an AFTA contact and an alert: significance, no clinical detail', async () => {
    const subject = await personInTreatment(system, CROYDON);
    const start = new Date(Date.UTC(2027, 0, 20, 14, 0));
    const written = Date.now();
    await providerRecordsNoShow(system, SLAM, subject.patientId, start, 'acceptable');
    const [contact] = await eventually(
      () => deliusEntries(system, CROYDON, subject.person.crn, 'contacts'),
      (found) => found.length > 0,
      10_000,
      50,
    );
    const elapsed = Date.parse(contact.createdAt ?? '') - written;
    expect(contact).toMatchObject({ type: 'AFTA' });
    expect(Date.parse(contact.date)).toBe(start.getTime());
    expect(contact.notes).toContain('acceptable');
    expect(elapsed).toBeLessThanOrEqual(2_000);
    const [alert] = await eventually(
      () => deliusEntries(system, CROYDON, subject.person.crn, 'alerts'),
      (found) => found.length > 0,
      5_000,
      50,
    );
    expect(alert).toMatchObject({ type: 'CSTR_APPOINTMENT_MISSED', externalReference: contact.externalReference });
    const received = JSON.stringify(
      await system.received('delius', { partner: CROYDON, identifier: subject.person.crn }),
    );
    expect(received.toLowerCase()).not.toContain(CLINICAL_DETAIL);
  });

  it('non-attendance latency over 200 missed appointments (10 a second): p99 within 2 s', async () => {
    const subject = await personInTreatment(system, CROYDON);
    const latencies = await measureNonAttendance(system, CROYDON, SLAM, subject, 200, 10, 60_000);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    console.log(
      `non-attendance latency over ${latencies.length} missed appointments: p50 ${p50} ms, p99 ${p99} ms, max ${latencies[latencies.length - 1]} ms`,
    );
    expect(latencies).toHaveLength(200);
    expect(p99).toBeLessThanOrEqual(2_000);
  }, 120_000);

  it("a consent withdrawal recorded on the provider's FHIR server stops the next missed appointment from reaching probation, and the refusal is audited", async () => {
    const subject = await personInTreatment(system, CROYDON);
    await providerWithdrawsConsent(system, SLAM, subject.consentId, subject.person);
    await providerRecordsNoShow(system, SLAM, subject.patientId, new Date(Date.UTC(2027, 0, 21, 10, 0)));
    const missed = await eventually(
      async () => {
        const { body } = await system.callHub(
          IG_LEAD,
          'GET',
          `/audit?event=treatment.appointment.missed&person=${subject.person.crn}`,
        );
        return JSON.stringify(body);
      },
      (text) => text.includes('consent-withdrawn'),
      15_000,
      250,
    );
    expect(missed).toContain(CROYDON);
    await sleep(1_000);
    expect(await deliusEntries(system, CROYDON, subject.person.crn, 'contacts')).toEqual([]);
  });

  it("a missed appointment of a person unknown to Delius is dead-lettered by the probation adapter with reason unknown-crn, and shows in the hub's /dead-letters", async () => {
    // Probation allocated the person and asked the provider for a report (so the hub connects both), but Delius has no case.
    const person = newPerson('Unknown');
    // The provider knows the person already: what the hub delivers finds its Patient (FHIR conditional create).
    const patientId = await providerRecordsPatient(system, SLAM, person);
    await deliusAllocatesCase(system, CROYDON, person);
    await deliusRequestsPsr(system, CROYDON, person);
    await providerRecordsConsent(system, SLAM, patientId, person);
    await providerRecordsNoShow(system, SLAM, patientId, new Date(Date.UTC(2027, 0, 22, 10, 0)));
    // The hub delivered it to Croydon (audited) before Delius refused it.
    const delivered = await eventually(
      () => auditedAbout(system, 'treatment.appointment.missed', person),
      (text) => text.includes(CROYDON),
      20_000,
      250,
    );
    const eventIds = new Set(delivered.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? []);
    const parked = await eventually(
      async () => {
        const { body } = await system.callHub(OPERATOR, 'GET', `/dead-letters?partner=${CROYDON}&code=unknown-crn`);
        return ((body.deadLetters ?? []) as { eventId: string; [key: string]: unknown }[]).filter((letter) =>
          eventIds.has(letter.eventId),
        );
      },
      (found) => found.length > 0,
      20_000,
      250,
    );
    expect(parked).toHaveLength(1);
    expect(parked[0]).toMatchObject({
      queue: deadLetterQueue(partnerInboxQueue(CROYDON)),
      partner: CROYDON,
      failedQueue: partnerInboxQueue(CROYDON),
      eventType: 'treatment.appointment.missed',
      failureCode: 'unknown-crn',
      failureReason: expect.stringContaining('no case with this CRN'),
      replayedAt: null,
    });
    expect(JSON.stringify(parked[0])).not.toContain(person.crn);
    expect(await auditedEvent(system, parked[0].eventId)).toContain(CROYDON);
  });

  it('a RoSH registration in Delius reaches the treating provider FHIR server as a Flag; a clinical risk change there reaches Delius', async () => {
    const person = newPerson('Risk');
    await deliusOpensCase(system, CROYDON, person);
    const patientId = await providerRecordsPatient(system, SLAM, person);
    // Probation asked the provider for a report: the provider is connected by that request, probation as its requester.
    await deliusRequestsPsr(system, CROYDON, person);
    await providerRecordsNoShow(system, SLAM, patientId, new Date(Date.UTC(2027, 0, 23, 10, 0)));
    // The hub has judged the missed appointment before probation registers the risk.
    await auditedAbout(system, 'treatment.appointment.missed', person);
    await deliusRegistersRosh(system, CROYDON, person);
    const flagWrites = await eventually(
      () =>
        system.received<{ method: string; url: string; status: number; body?: { resourceType?: string } }>('fhir', {
          partner: SLAM,
          identifier: person.crn,
        }),
      (records) =>
        records.some((record) => record.method === 'POST' && record.url.endsWith('/Flag') && record.status === 201),
      15_000,
      250,
    );
    expect(flagWrites.find((record) => record.url.endsWith('/Flag'))?.body?.resourceType).toBe('Flag');

    const assessment = structuredClone(partnerFixture('provider', 'risk-assessment-high.json')) as {
      subject?: { reference: string };
    };
    assessment.subject = { reference: `Patient/${patientId}` };
    expect((await system.callSandbox('POST', `/sandbox/fhir/${SLAM}/RiskAssessment`, assessment)).status).toBe(201);
    const alerts = await eventually(
      () => deliusEntries(system, CROYDON, person.crn, 'alerts'),
      (found) => found.some((alert) => alert.type === 'CSTR_RISK_CHANGED'),
      15_000,
      250,
    );
    expect(alerts.find((alert) => alert.type === 'CSTR_RISK_CHANGED')?.notes).toContain('risk');
  });

  it('a sentence with an MHTR and an ATR becomes a ServiceRequest and a Task on the treating provider FHIR server, not the other provider', async () => {
    // Jordan Marsh of the fixtures: Delius links his CRN, NHS number and PNC ID and asks SLaM (RV5) for a report.
    const patientId = await providerRecordsPatient(system, SLAM, JORDAN);
    await deliusRequestsPsr(system, CROYDON, JORDAN);
    const booked = structuredClone(partnerFixture('provider', 'appointment-booked-three-way-meeting.json')) as {
      participant: { actor: { reference: string } }[];
    };
    booked.participant[0].actor.reference = `Patient/${patientId}`;
    expect((await system.callSandbox('POST', `/sandbox/fhir/${SLAM}/Appointment`, booked)).status).toBe(201);
    // The hub has judged the booking before the court's result arrives.
    await auditedAbout(system, 'treatment.appointment.booked', JORDAN);
    const sent = await system.callSandbox('POST', '/sandbox/hmcts/croydon-mc/send/result', {
      fixture: 'hearing-resulted-community-order-mhtr-atr',
    });
    expect(sent.body.adapterStatus).toBe(202);
    // The hub delivers the sentence to the provider treating him and to the probation team covering the court.
    const audit = await eventually(
      async () =>
        JSON.stringify(
          (
            await system.callHub(
              IG_LEAD,
              'GET',
              `/audit?event=court.sentence.imposed&person=${encodeURIComponent(JORDAN_PNC)}`,
            )
          ).body,
        ),
      (text) => text.includes('sentence-to-provider') && text.includes(CROYDON),
      15_000,
      250,
    );
    expect(audit).toContain(SLAM);
    const writes = await eventually(
      () =>
        system.received<{
          method: string;
          url: string;
          status: number;
          body?: { resourceType?: string; status?: string };
        }>('fhir', { partner: SLAM, identifier: JORDAN.nhsNumber }),
      (records) =>
        records.some((record) => record.url.endsWith('/Task') && record.status === 201) &&
        records.some((record) => record.url.endsWith('/ServiceRequest') && record.status === 201),
      20_000,
      250,
    );
    expect(writes.find((record) => record.url.endsWith('/Task') && record.status === 201)?.body).toMatchObject({
      resourceType: 'Task',
      status: 'requested',
    });
    const elsewhere = await system.received<{ url: string }>('fhir', {
      partner: ST_ANDREWS,
      identifier: JORDAN.nhsNumber,
    });
    expect(elsewhere.filter((record) => /\/(ServiceRequest|Task)$/.test(record.url))).toEqual([]);
  });

  it('a suspended sentence with a DRR reaches the probation team covering the court', async () => {
    const result = structuredClone(
      partnerFixture('common-platform', 'hearing-resulted-suspended-sentence-drr.json'),
    ) as { hearing: { id: string; courtCentre: { code: string; name: string } } };
    // Heard at Croydon, whose adapter and probation team this system runs.
    result.hearing.courtCentre.code = 'B01CY00';
    result.hearing.courtCentre.name = "Croydon Magistrates' Court";
    result.hearing.id = randomUUID();
    const sent = await system.callSandbox('POST', '/sandbox/hmcts/croydon-mc/send/result', result);
    expect(sent.body.adapterStatus).toBe(202);
    const audit = await eventually(
      async () =>
        JSON.stringify(
          (await system.callHub(IG_LEAD, 'GET', '/audit?event=court.sentence.imposed&person=2021/0113578Y')).body,
        ),
      (text) => text.includes(CROYDON),
      15_000,
      250,
    );
    expect(audit).toContain('sentence-to-probation');
  });

  /** What the sandbox's FHIR stand-in of `partner` received about `identifier`. */
  const fhirWrites = (partner: string, identifier: string) =>
    system.received<{ method: string; url: string; status: number; body?: Record<string, unknown> }>('fhir', {
      partner,
      identifier,
    });

  it("a DRR: the PSR assessment request reaches the drug and alcohol service's FHIR server as ServiceRequest + Task with its due time; treatment started and a drug test reach Delius, the test results nobody else", async () => {
    const person = newPerson('Drr');
    await deliusOpensCase(system, CROYDON, person);
    const patientId = await providerRecordsPatient(system, DRUG_SERVICE, person);
    await deliusRequestsPsr(system, CROYDON, person, {
      ...DRUG_SERVICE_ORGANIZATION,
      requirements: ['Drug rehabilitation requirement'],
    });
    const requested = await eventually(
      () => fhirWrites(DRUG_SERVICE, person.nhsNumber),
      (records) => records.some((record) => record.url.endsWith('/Task') && record.status === 201),
      20_000,
      250,
    );
    expect(requested.some((record) => record.url.endsWith('/ServiceRequest') && record.status === 201)).toBe(true);
    const task = requested.find((record) => record.url.endsWith('/Task') && record.status === 201)?.body;
    expect(task).toMatchObject({ status: 'requested', restriction: { period: { end: expect.any(String) } } });

    await serviceRecordsTreatment(system, DRUG_SERVICE, patientId, 'drr', { opiates: 'positive', cocaine: 'negative' });
    const contacts = await eventually(
      () => deliusEntries(system, CROYDON, person.crn, 'contacts'),
      (found) => found.some((contact) => contact.type === 'DTRR'),
      20_000,
      250,
    );
    expect(contacts.find((contact) => contact.type === 'DTRR')?.notes).toMatch(/opiates positive; cocaine negative/);
    const alerts = await eventually(
      () => deliusEntries(system, CROYDON, person.crn, 'alerts'),
      (found) => found.some((alert) => alert.type === 'CSTR_TREATMENT_STARTED'),
      20_000,
      250,
    );
    expect(alerts.find((alert) => alert.type === 'CSTR_TREATMENT_STARTED')?.notes).toContain('under the DRR');
    // The drug test went to probation only: no other partner's system received it.
    const delivered = await auditedAbout(system, 'treatment.drug-test.resulted', person);
    expect(delivered).toContain('drug-tests-to-probation');
    for (const [kind, partner] of [
      ['fhir', SLAM],
      ['fhir', ST_ANDREWS],
      ['delius', LAMBETH],
      ['ld', 'sl-liaison-diversion'],
    ] as const) {
      const records = await system.received(kind, { partner, identifier: person.nhsNumber });
      expect(JSON.stringify(records)).not.toMatch(/drug-test|opiates/);
    }
    expect(JSON.stringify(await fhirWrites(DRUG_SERVICE, person.nhsNumber))).not.toContain('DTRR');
  });

  it('an ATR: the service, asked for the assessment, records treatment started; Delius gets it under the ATR', async () => {
    const person = newPerson('Atr');
    await deliusOpensCase(system, CROYDON, person);
    const patientId = await providerRecordsPatient(system, DRUG_SERVICE, person);
    await deliusRequestsPsr(system, CROYDON, person, {
      ...DRUG_SERVICE_ORGANIZATION,
      requirements: ['Alcohol treatment requirement'],
    });
    await eventually(
      () => fhirWrites(DRUG_SERVICE, person.nhsNumber),
      (records) => records.some((record) => record.url.endsWith('/Task') && record.status === 201),
      20_000,
      250,
    );
    await serviceRecordsTreatment(system, DRUG_SERVICE, patientId, 'atr');
    const alerts = await eventually(
      () => deliusEntries(system, CROYDON, person.crn, 'alerts'),
      (found) => found.some((alert) => alert.type === 'CSTR_TREATMENT_STARTED'),
      20_000,
      250,
    );
    expect(alerts.find((alert) => alert.type === 'CSTR_TREATMENT_STARTED')?.notes).toContain('under the ATR');
  });

  it('a court review listed in Common Platform (hearing type "review") reaches probation, whose review report from Delius reaches the court; the result reaches probation with the next review', async () => {
    // Jordan Marsh of the fixtures: Delius links his CRN with his PNC ID, which the court knows him by.
    await deliusRequestsPsr(system, CROYDON, JORDAN);
    const review = (name: string) => {
      const json = structuredClone(partnerFixture('common-platform', name)) as {
        hearing: {
          id: string;
          type: { description: string };
          prosecutionCases: {
            defendants: { pncId?: string; croNumber?: string; personDefendant: Record<string, unknown> }[];
          }[];
        };
      };
      json.hearing.type.description = 'Alcohol treatment requirement review';
      const [defendant] = json.hearing.prosecutionCases[0].defendants;
      defendant.pncId = JORDAN_PNC;
      delete defendant.croNumber;
      defendant.personDefendant = {
        personDetails: { firstName: JORDAN.forename, lastName: JORDAN.surname, dateOfBirth: JORDAN.dateOfBirth },
      };
      return json;
    };
    const listingsAudited = async (): Promise<number> => {
      const search = '/audit?event=court.review.listed&limit=1000';
      const { body } = await system.callHub(IG_LEAD, 'GET', search);
      return ((body.entry ?? []) as unknown[]).length;
    };
    const listingsBefore = await listingsAudited();
    const listed = review('hearing-listed-drr-review.json');
    listed.hearing.id = randomUUID();
    expect(
      (await system.callSandbox('POST', '/sandbox/hmcts/croydon-mc/send/hearing', listed)).body.adapterStatus,
    ).toBe(202);
    // The listing names Jordan by his PNC ID, the report below by his CRN: events whose identifiers share
    // none may take two ingress partitions and be applied in either order, so the court's connection is
    // waited for.
    await eventually(listingsAudited, (count) => count > listingsBefore, 15_000, 250);
    // Probation submits its written review report in Delius: the hub delivers it to the court.
    const detail = structuredClone(partnerFixture('hmpps', 'review-report-submitted.detail.json')) as {
      person: unknown;
      reviewReport: Record<string, unknown>;
    };
    const jordanPsr = partnerFixture('hmpps', 'psr-requested.detail.json') as { person: unknown };
    detail.person = jordanPsr.person;
    detail.reviewReport.id = String(Date.now());
    detail.reviewReport.requirement = { mainCategory: { code: 'R', description: 'Alcohol Treatment' } };
    delete detail.reviewReport.drugTests;
    const event = structuredClone(partnerFixture('hmpps', 'review-report-submitted.event.json')) as Record<
      string,
      unknown
    >;
    delete event.detailUrl;
    const submitted = await system.callSandbox('POST', `/sandbox/delius/${CROYDON}/send/domain-event`, {
      ...event,
      occurredAt: new Date().toISOString(),
      personReference: { identifiers: [{ type: 'CRN', value: JORDAN.crn }] },
      detail,
    });
    expect(submitted.body.adapterStatus).toBe(202);
    const reported = await eventually(
      () => auditedAbout(system, 'probation.review.reported', JORDAN),
      (text) => text.includes('review-report-to-court'),
      15_000,
      250,
    );
    expect(reported).toContain('croydon-mc');
    const resulted = review('hearing-resulted-drr-review.json');
    resulted.hearing.id = listed.hearing.id;
    expect(
      (await system.callSandbox('POST', '/sandbox/hmcts/croydon-mc/send/result', resulted)).body.adapterStatus,
    ).toBe(202);
    const alerts = await eventually(
      () => deliusEntries(system, CROYDON, JORDAN.crn, 'alerts'),
      (found) =>
        found.some((alert) => alert.type === 'CSTR_REVIEW_LISTED') &&
        found.some((alert) => alert.type === 'CSTR_REVIEW_RESULTED'),
      20_000,
      250,
    );
    expect(alerts.find((alert) => alert.type === 'CSTR_REVIEW_LISTED')?.notes).toMatch(/review of the ATR/);
    expect(alerts.find((alert) => alert.type === 'CSTR_REVIEW_RESULTED')?.notes).toMatch(
      /progress-satisfactory; next review 2027-03-09/,
    );
  });

  it('Delius down for a minute: every contact arrives once it is back, none twice', async () => {
    expect(await outage).toBeUndefined();
  }, 150_000);

  it('no event of any test ended in a dead-letter queue for want of a handler (no-handler)', async () => {
    const { status, body } = await system.callHub(OPERATOR, 'GET', '/dead-letters?code=no-handler');
    expect(status).toBe(200);
    expect(body.deadLetters).toEqual([]);
  });
});
