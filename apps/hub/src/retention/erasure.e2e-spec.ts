import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { AuditLog, type AuditRecordInput } from '@cstr/audit';
import { NHS_NUMBER_SYSTEM, PersonIndex } from '@cstr/identity';
import { basicAuth, bootHub, PRINCIPALS, type TestHub } from '../../test/http-test-kit';

type Server = Parameters<typeof request>[0];

/**
 * `POST /erasures` and `POST /rectifications` on a running hub (real broker and database): only
 * an admin may, a reason is required, and after an erasure `GET /audit/verify` still passes while
 * the person's timeline and audit search find nothing, and the person's pathway rows are gone.
 */
describe('the erasure routes', () => {
  const nhs = { system: NHS_NUMBER_SYSTEM, value: '9990000018' };
  let hub: TestHub;
  let server: Server;
  let personId: string;
  const pathwayRows = async (): Promise<number> => {
    const [{ n }] = (await hub.dataSource.query(
      `SELECT ((SELECT count(*) FROM hub_pathway_event WHERE person_id = $1)
        + (SELECT count(*) FROM hub_pathway_deadline WHERE person_id = $1))::int AS n`,
      [personId],
    )) as { n: number }[];
    return n;
  };

  beforeAll(async () => {
    hub = await bootHub();
    server = hub.app.getHttpServer() as Server;
    const resolved = await hub.app
      .get(PersonIndex)
      .resolve({ identifiers: [nhs] }, { trusted: true, actor: 'hub', sourceEventId: randomUUID() });
    if (!resolved.ok) throw new Error('resolve failed');
    personId = resolved.personId;
    // The screening the person's pathway starts with, and the deadline it opened.
    const screening = randomUUID();
    await hub.dataSource.query(
      `INSERT INTO hub_pathway_event (event_id, person_id, event_type, sender, occurred_at, received_at)
       VALUES ($1, $2, 'ld.screening.completed', 'sl-liaison-diversion', now(), now())`,
      [screening, personId],
    );
    await hub.dataSource.query(
      `INSERT INTO hub_pathway_deadline (id, opening_key, person_id, kind, due_at, owed_by, description, opened_by_event, opened_at, subject)
       VALUES ($1, $2, $3, 'psr-assessment', now() + interval '10 days', 'slam-mhtr', 'Assessment for the PSR', $4, now(), '{}')`,
      [randomUUID(), `erasure-test:${screening}`, personId, screening],
    );
    expect(await pathwayRows()).toBe(2);
    const decision: AuditRecordInput = {
      kind: 'decision',
      outcome: 'delivered',
      eventId: randomUUID(),
      eventType: 'treatment.appointment.attended',
      sender: 'slam-mhtr',
      recipient: 'nps-london-croydon',
      agreement: { id: 'cstr-south-london', version: 1 },
      flowId: 'attendance-to-probation',
      personIdentifiers: [nhs],
    };
    const audit = hub.app.get(AuditLog);
    await hub.dataSource.transaction((tx) => audit.append(tx, [decision, { ...decision, eventId: randomUUID() }]));
  });

  afterAll(async () => {
    await hub?.close();
  });

  const post = (path: string, principal: { id: string; secret: string }, body: object) =>
    request(server).post(path).set('Authorization', basicAuth(principal)).send(body);

  it('only an admin may erase; a missing reason is a 400 OperationOutcome naming it', async () => {
    const denied = await post('/erasures', PRINCIPALS.operator, { person: nhs.value, reason: 'x' });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ resourceType: 'OperationOutcome' });
    const bad = await post('/erasures', PRINCIPALS.admin, { person: nhs.value });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'required', expression: ['reason'] }],
    });
  });

  it('erases the person: the chain verifies, the timeline and the audit search find nobody, a second erasure is a 404', async () => {
    const erased = await post('/erasures', PRINCIPALS.admin, {
      person: `nhs-number|${nhs.value}`,
      reason: 'Erasure request upheld by the IG lead',
    });
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({ identifiers: 1, pathwayRows: 2, auditRecords: 2 });
    expect(await pathwayRows()).toBe(0);
    expect(JSON.stringify(erased.body)).not.toContain(nhs.value);

    const verify = await request(server).get('/audit/verify').set('Authorization', basicAuth(PRINCIPALS.auditor));
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true });

    const timeline = await request(server)
      .get(`/people/${nhs.value}/timeline`)
      .set('Authorization', basicAuth(PRINCIPALS.auditor));
    expect(timeline.status).toBe(404);

    // This test's decisions only: the broker is shared, and an earlier test file's court listing may reach this hub.
    const audited = await request(server)
      .get('/audit?kind=decision&event=treatment.appointment.attended&partner=slam-mhtr')
      .set('Authorization', basicAuth(PRINCIPALS.auditor));
    expect(audited.status).toBe(200);
    const entities = (
      audited.body as { entry: { resource: { entity: { detail?: { type: string }[] }[] } }[] }
    ).entry.map((entry) => entry.resource.entity[0].detail?.map((detail) => detail.type) ?? []);
    expect(entities).toHaveLength(2);
    for (const types of entities) expect(types).toContain('identifiers-erased');
    expect(JSON.stringify(audited.body)).not.toContain(nhs.value);

    const again = await post('/erasures', PRINCIPALS.admin, { person: nhs.value, reason: 'again' });
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
  });
});
