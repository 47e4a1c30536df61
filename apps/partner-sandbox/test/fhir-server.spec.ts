import type { INestApplication } from '@nestjs/common';
import { asOperator, bootSandbox, TestReceiver } from './sandbox-test-kit';

const SLAM = '/sandbox/fhir/slam-mhtr';
const FHIR_JSON = 'application/fhir+json';
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

const patient = (nhsNumber: string) => ({
  resourceType: 'Patient',
  identifier: [{ system: NHS, value: nhsNumber }],
  name: [{ family: 'Marsh', given: ['Jordan'] }],
});
const appointment = (patientId: string, status: string) => ({
  resourceType: 'Appointment',
  status,
  start: '2027-02-03T09:30:00Z',
  end: '2027-02-03T10:20:00Z',
  participant: [{ actor: { reference: `Patient/${patientId}` }, status: 'accepted' }],
});

describe('FHIR R4 server stand-in (treatment provider)', () => {
  let receiver: TestReceiver;
  let app: INestApplication;
  const server = () => app.getHttpServer();
  const post = (path: string, body: unknown) =>
    asOperator(server()).post(path).set('content-type', FHIR_JSON).send(JSON.stringify(body));

  beforeAll(async () => {
    receiver = await TestReceiver.start();
    app = await bootSandbox(receiver.url);
  });
  afterAll(async () => {
    await app.close();
    await receiver.close();
  });
  beforeEach(() => receiver.reset());

  it('says in its CapabilityStatement whether it has rest-hook Subscriptions (partners.yaml subscriptions: false)', async () => {
    const slam = await asOperator(server())
      .get(`${SLAM}/metadata`)
      .expect(200)
      .expect('content-type', /application\/fhir\+json/);
    expect(slam.body.resourceType).toBe('CapabilityStatement');
    expect(slam.body.rest[0].resource.map((resource: { type: string }) => resource.type)).toContain('Subscription');
    const standrews = await asOperator(server()).get('/sandbox/fhir/st-andrews-mhtr/metadata').expect(200);
    expect(standrews.body.rest[0].resource.map((resource: { type: string }) => resource.type)).not.toContain(
      'Subscription',
    );
    await post('/sandbox/fhir/st-andrews-mhtr/Subscription', {
      resourceType: 'Subscription',
      status: 'requested',
      criteria: 'Appointment',
      channel: { type: 'rest-hook', endpoint: receiver.url },
    }).expect(404);
  });

  it("serves the drug and alcohol service's case system too, with its drug tests (Observation) and the hub's Communications", async () => {
    const metadata = await asOperator(server()).get('/sandbox/fhir/sl-drug-alcohol-service/metadata').expect(200);
    const types = metadata.body.rest[0].resource.map((resource: { type: string }) => resource.type);
    expect(types).toEqual(expect.arrayContaining(['EpisodeOfCare', 'Observation', 'Communication']));
    const person = await post('/sandbox/fhir/sl-drug-alcohol-service/Patient', patient('9990000123')).expect(201);
    await post('/sandbox/fhir/sl-drug-alcohol-service/Observation', {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'Drug test' },
      subject: { reference: `Patient/${person.body.id as string}` },
    }).expect(201);
    await asOperator(server()).get('/sandbox/fhir/no-such-service/metadata').expect(404);
  });

  it('creates with a server id, version and lastUpdated; reads; updates to a new version', async () => {
    const created = await post(`${SLAM}/Patient`, { ...patient('9990000123'), id: 'client-chosen' }).expect(201);
    const id = created.body.id as string;
    expect(id).not.toBe('client-chosen');
    expect(created.body.meta).toMatchObject({ versionId: '1' });
    expect(created.headers.location).toMatch(new RegExp(`${SLAM}/Patient/${id}/_history/1$`));
    expect(created.headers.etag).toBe('W/"1"');

    const read = await asOperator(server()).get(`${SLAM}/Patient/${id}`).expect(200);
    expect(read.body).toEqual(created.body);

    const updated = await asOperator(server())
      .put(`${SLAM}/Patient/${id}`)
      .set('content-type', FHIR_JSON)
      .send(JSON.stringify({ ...created.body, gender: 'male' }))
      .expect(200);
    expect(updated.body.meta.versionId).toBe('2');
    expect(updated.body.gender).toBe('male');
    expect(Date.parse(updated.body.meta.lastUpdated)).toBeGreaterThan(Date.parse(created.body.meta.lastUpdated));

    await asOperator(server()).get(`${SLAM}/Patient/no-such-id`).expect(404);
    await asOperator(server())
      .put(`${SLAM}/Patient/${id}`)
      .send({ ...created.body, id: 'other' })
      .expect(400);
    await post(`${SLAM}/Appointment`, { resourceType: 'Patient' }).expect(400);
    await post(`${SLAM}/Procedure`, { resourceType: 'Procedure' }).expect(404);
  });

  it('searches by _lastUpdated, identifier, patient, status, _id, with _count paging and _sort', async () => {
    const pt = (await post(`${SLAM}/Patient`, patient('9990000239')).expect(201)).body;
    const first = (await post(`${SLAM}/Appointment`, appointment(pt.id, 'booked')).expect(201)).body;
    const second = (await post(`${SLAM}/Appointment`, appointment(pt.id, 'noshow')).expect(201)).body;
    const third = (await post(`${SLAM}/Appointment`, appointment('someone-else', 'fulfilled')).expect(201)).body;

    const since = await asOperator(server())
      .get(`${SLAM}/Appointment`)
      .query({ _lastUpdated: `gt${first.meta.lastUpdated}` })
      .expect(200);
    expect(since.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 2 });
    expect(since.body.entry.map((entry: { resource: { id: string } }) => entry.resource.id)).toEqual([
      second.id,
      third.id,
    ]);
    expect(since.body.entry[0].fullUrl).toMatch(new RegExp(`${SLAM}/Appointment/${second.id}$`));

    const ids = async (query: Record<string, string>) =>
      (await asOperator(server()).get(`${SLAM}/Appointment`).query(query).expect(200)).body.entry?.map(
        (entry: { resource: { id: string } }) => entry.resource.id,
      ) ?? [];
    expect(await ids({ patient: pt.id })).toEqual([first.id, second.id]);
    expect(await ids({ patient: pt.id, status: 'noshow' })).toEqual([second.id]);
    expect(await ids({ status: 'noshow,fulfilled', _lastUpdated: `ge${first.meta.lastUpdated}` })).toEqual([
      second.id,
      third.id,
    ]);
    expect(await ids({ _id: third.id })).toEqual([third.id]);
    expect(await ids({ _lastUpdated: `ge${first.meta.lastUpdated}`, _sort: '-_lastUpdated' })).toEqual([
      third.id,
      second.id,
      first.id,
    ]);

    const byIdentifier = await asOperator(server())
      .get(`${SLAM}/Patient`)
      .query({ identifier: `${NHS}|9990000239` })
      .expect(200);
    expect(byIdentifier.body.entry.map((entry: { resource: { id: string } }) => entry.resource.id)).toEqual([pt.id]);

    const page = await asOperator(server())
      .get(`${SLAM}/Appointment`)
      .query({ _lastUpdated: `ge${first.meta.lastUpdated}`, _count: '2' })
      .expect(200);
    expect(page.body.total).toBe(3);
    expect(page.body.entry).toHaveLength(2);
    const next = page.body.link.find((link: { relation: string }) => link.relation === 'next').url as string;
    const rest = await asOperator(server())
      .get(new URL(next).pathname + new URL(next).search)
      .expect(200);
    expect(rest.body.entry.map((entry: { resource: { id: string } }) => entry.resource.id)).toEqual([third.id]);
  });

  it('refuses search parameters it cannot apply instead of ignoring them', async () => {
    const answer = await asOperator(server()).get(`${SLAM}/Appointment`).query({ date: 'ge2027-01-01' }).expect(400);
    expect(answer.body.issue[0]).toMatchObject({ code: 'not-supported', expression: ['date'] });
    await asOperator(server()).get(`${SLAM}/Appointment`).query({ _lastUpdated: 'gtyesterday' }).expect(400);
  });

  it('conditional create (If-None-Exist) returns the existing resource instead of a duplicate', async () => {
    const task = {
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      identifier: [{ system: 'https://cstr-hub.org.uk/fhir/Id/referral', value: 'ref-42' }],
    };
    const criteria = 'identifier=https://cstr-hub.org.uk/fhir/Id/referral|ref-42';
    const first = await post(`${SLAM}/Task`, task).set('If-None-Exist', criteria).expect(201);
    const second = await post(`${SLAM}/Task`, task).set('If-None-Exist', criteria).expect(200);
    expect(second.body).toEqual(first.body);
    const all = await asOperator(server()).get(`${SLAM}/Task`).query({ identifier: 'ref-42' }).expect(200);
    expect(all.body.total).toBe(1);
  });

  it('posts an id-only history Bundle with the channel headers to each matching rest-hook subscriber', async () => {
    const subscription = await post(`${SLAM}/Subscription`, {
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'Missed sessions',
      criteria: 'Appointment?status=noshow',
      channel: {
        type: 'rest-hook',
        endpoint: `${receiver.url}/fhir-notify`,
        payload: FHIR_JSON,
        header: ['Authorization: Bearer test-token'],
      },
    }).expect(201);
    expect(subscription.body.status).toBe('active');

    const pt = (await post(`${SLAM}/Patient`, patient('9990000565')).expect(201)).body;
    await post(`${SLAM}/Appointment`, appointment(pt.id, 'booked')).expect(201);
    const missed = (await post(`${SLAM}/Appointment`, appointment(pt.id, 'noshow')).expect(201)).body;

    const [notification] = await receiver.waitFor(1);
    // Give a wrongly sent notification for the booked appointment time to show up.
    await new Promise((done) => setTimeout(done, 200));
    expect(receiver.requests).toHaveLength(1);
    expect(notification.url).toBe('/fhir-notify');
    expect(notification.headers.authorization).toBe('Bearer test-token');
    expect(notification.headers['content-type']).toContain(FHIR_JSON);
    expect(notification.body).toMatchObject({
      resourceType: 'Bundle',
      type: 'history',
      entry: [{ request: { method: 'POST', url: 'Appointment' }, response: { status: '201 Created' } }],
    });
    const entry = (notification.body as { entry: { fullUrl: string; resource?: unknown }[] }).entry[0];
    expect(entry.fullUrl).toMatch(new RegExp(`${SLAM}/Appointment/${missed.id}$`));
    expect(entry.resource).toBeUndefined();

    const sent = await asOperator(server())
      .get('/sandbox/fhir/received')
      .query({ identifier: '9990000565', partner: 'slam-mhtr' })
      .expect(200);
    expect(
      sent.body.records.map(
        (record: { direction: string; method: string; status: number }) =>
          `${record.direction} ${record.method} ${record.status}`,
      ),
    ).toEqual(['received POST 201', 'received POST 201', 'received POST 201', 'sent POST 202']);
  });

  it("keeps the person's Consent: create, search by patient and status, update to withdraw, with rest-hook notifications", async () => {
    await post(`${SLAM}/Subscription`, {
      resourceType: 'Subscription',
      status: 'requested',
      reason: 'Consents',
      criteria: 'Consent',
      channel: { type: 'rest-hook', endpoint: `${receiver.url}/consents` },
    }).expect(201);
    const metadata = await asOperator(server()).get(`${SLAM}/metadata`).expect(200);
    expect(metadata.body.rest[0].resource.map((resource: { type: string }) => resource.type)).toContain('Consent');
    const pt = (await post(`${SLAM}/Patient`, patient('9990000239')).expect(201)).body;
    const consent = {
      resourceType: 'Consent',
      status: 'active',
      scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: `Patient/${pt.id}` },
      provision: {
        type: 'permit',
        actor: [
          { reference: { identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'N07' } } },
        ],
      },
    };
    const created = (await post(`${SLAM}/Consent`, consent).expect(201)).body;
    const found = await asOperator(server())
      .get(`${SLAM}/Consent`)
      .query({ patient: pt.id, status: 'active' })
      .expect(200);
    expect(found.body.entry.map((entry: { resource: { id: string } }) => entry.resource.id)).toEqual([created.id]);
    const withdrawn = await asOperator(server())
      .put(`${SLAM}/Consent/${created.id}`)
      .set('content-type', FHIR_JSON)
      .send(JSON.stringify({ ...created, status: 'inactive' }))
      .expect(200);
    expect(withdrawn.body.meta.versionId).toBe('2');
    await asOperator(server())
      .get(`${SLAM}/Consent`)
      .query({ patient: pt.id, status: 'active' })
      .expect(200, /"total":0/);

    const notifications = await receiver.waitFor(2);
    expect(
      notifications.map(
        (notification) =>
          (notification.body as { entry: { request: { method: string; url: string } }[] }).entry[0].request,
      ),
    ).toEqual([
      { method: 'POST', url: 'Consent' },
      { method: 'PUT', url: `Consent/${created.id}` },
    ]);
  });

  it('refuses a Subscription that is not a rest-hook with an endpoint', async () => {
    const answer = await post(`${SLAM}/Subscription`, {
      resourceType: 'Subscription',
      status: 'requested',
      criteria: 'Appointment?colour=red',
      channel: { type: 'email' },
    }).expect(400);
    expect(answer.body.issue.map((issue: { expression: string[] }) => issue.expression[0])).toEqual([
      'colour',
      'Subscription.channel.type',
      'Subscription.channel.endpoint',
    ]);
  });

  it('can be told to fail and to be slow', async () => {
    await asOperator(server())
      .post('/sandbox/fhir/st-andrews-mhtr/control')
      .send({ failWith: 503, delayMs: 0 })
      .expect(200);
    const failed = await asOperator(server()).get('/sandbox/fhir/st-andrews-mhtr/Appointment').expect(503);
    expect(failed.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'transient' }] });
    await asOperator(server()).get(`${SLAM}/Appointment`).expect(200);
    await asOperator(server())
      .post('/sandbox/fhir/st-andrews-mhtr/control')
      .send({ failWith: null, delayMs: 250 })
      .expect(200);
    const started = Date.now();
    await asOperator(server()).get('/sandbox/fhir/st-andrews-mhtr/metadata').expect(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    await asOperator(server())
      .post('/sandbox/fhir/st-andrews-mhtr/control')
      .send({ failWith: null, delayMs: 0 })
      .expect(200);
  });
});
