import type * as amqp from 'amqplib';
import request from 'supertest';
import type { Appointment, Bundle, Patient, ServiceRequest } from 'fhir/r4';
import { DELIVERY_EXCHANGE, INGRESS_EXCHANGE } from '@cstr/contracts';
import { BrokerFixture, testEnvironment, uniqueName } from '@cstr/testing';
import { PRINCIPALS, basicAuth, bootHub, type TestHub, type TestPrincipal } from './http-test-kit';
import { fixtureEvent } from './ingress-test-kit';

type Server = Parameters<typeof request>[0];
interface Outcome {
  resourceType: 'OperationOutcome';
  issue: { severity: string; code: string; diagnostics?: string; expression?: string[] }[];
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `POST /fhir/Bundle/$validate` against a real hub, broker and database: the hub's whole answer
 * about a message, and nothing delivered to any queue, stored or audited.
 */
describe('POST /fhir/Bundle/$validate', () => {
  const env = testEnvironment();
  let hub: TestHub;
  let server: Server;
  let broker: BrokerFixture;
  /** Every message published to cstr.ingress or cstr.delivery while the tests run. */
  const published: amqp.ConsumeMessage[] = [];

  beforeAll(async () => {
    broker = await BrokerFixture.open(env.rabbitAdminUrl);
    const watch = uniqueName('test_validate_watch');
    await broker.channel.assertQueue(watch, { exclusive: true, autoDelete: true });
    await broker.channel.bindQueue(watch, INGRESS_EXCHANGE, '#');
    await broker.channel.bindQueue(watch, DELIVERY_EXCHANGE, '#');
    await broker.channel.consume(watch, (message) => message && published.push(message), { noAck: true });
    hub = await bootHub();
    server = hub.app.getHttpServer() as Server;
  });

  afterAll(async () => {
    await hub?.close();
    await broker?.close();
  });

  const validate = (body: unknown, principal: TestPrincipal = PRINCIPALS.slam): request.Test =>
    request(server)
      .post('/fhir/Bundle/$validate')
      .set('Authorization', basicAuth(principal))
      .set('Content-Type', 'application/fhir+json')
      .send(JSON.stringify(body));

  /** Rows anywhere the hub keeps events, submissions, refusals or audit records of `eventId`. */
  async function rowsAbout(eventId: string): Promise<number> {
    const [row] = (await hub.dataSource.query(
      `SELECT (SELECT count(*) FROM messaging_outbox WHERE event_id::text = $1)
            + (SELECT count(*) FROM messaging_processed_event WHERE event_id::text = $1)
            + (SELECT count(*) FROM hub_http_submission WHERE event_id::text = $1)
            + (SELECT count(*) FROM ingress_refusal WHERE event_id::text = $1)
            + (SELECT count(*) FROM audit_record WHERE event_id::text = $1) AS count`,
      [eventId],
    )) as { count: string }[];
    return Number(row.count);
  }

  async function expectNothingKept(eventId: string): Promise<void> {
    // Long enough for the outbox relay and the ingress pipeline to have acted, had anything been queued.
    await pause(1_500);
    expect(published.filter((message) => message.properties.messageId === eventId)).toEqual([]);
    expect(await rowsAbout(eventId)).toBe(0);
  }

  it('answers a valid message with information only, and delivers, stores and audits nothing', async () => {
    const event = fixtureEvent('treatment.appointment.attended');
    const response = await validate(event.bundle);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/fhir\+json/);
    const outcome = response.body as Outcome;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue.map((issue) => issue.severity)).toEqual(outcome.issue.map(() => 'information'));
    expect(outcome.issue.at(-1)?.diagnostics).toMatch(/^The hub would accept this message/);
    await expectNothingKept(event.eventId);
    // The same message may be validated again, and still be submitted afterwards.
    expect((await validate(event.bundle)).status).toBe(200);
    const metrics = await request(server).get('/metrics').set('Authorization', basicAuth(PRINCIPALS.operator));
    expect(metrics.text).toMatch(/cstr_hub_bundle_validations_total\{partner="slam-mhtr",result="valid"\} 2/);
  });

  it('lists the errors of an invalid message with their expressions', async () => {
    const event = fixtureEvent('treatment.appointment.attended');
    const bundle = structuredClone(event.bundle) as Bundle;
    const appointment = bundle.entry?.find((entry) => entry.resource?.resourceType === 'Appointment')
      ?.resource as Appointment;
    (appointment as { status: string }).status = 'not-a-status';
    delete (appointment as { participant?: unknown }).participant;
    const response = await validate(bundle);
    expect(response.status).toBe(200);
    const errors = (response.body as Outcome).issue.filter((issue) => issue.severity === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(2);
    for (const error of errors) expect(error.expression?.[0]).toMatch(/^Bundle\.entry\[\d+\]/);
    expect(errors.map((error) => error.expression?.[0]).join(' ')).toMatch(/status/);
    expect(errors.map((error) => error.expression?.[0]).join(' ')).toMatch(/participant/);
    expect((response.body as Outcome).issue.at(-1)?.diagnostics).toMatch(/^The hub would refuse this message/);
    await expectNothingKept(event.eventId);
  });

  it('answers as an error issue what $process-message refuses with 403 or 422: another partner as source, a subject without a strong identifier', async () => {
    const asProbation = fixtureEvent('probation.psr.requested');
    const outcome = (await validate(asProbation.bundle, PRINCIPALS.slam)).body as Outcome;
    expect(outcome.issue[0]).toMatchObject({
      severity: 'error',
      code: 'forbidden',
      expression: ['Bundle.entry[0].resource.source.endpoint'],
    });
    const anonymous = fixtureEvent('treatment.appointment.attended');
    const bundle = structuredClone(anonymous.bundle) as Bundle;
    const patient = bundle.entry?.find((entry) => entry.resource?.resourceType === 'Patient')?.resource as Patient;
    // Only an identifier under a system the hub does not know: nothing to resolve the person by.
    patient.identifier = [{ system: 'https://example.org/Id/local-number', value: 'A-1' }];
    const unresolved = (await validate(bundle)).body as Outcome;
    expect(unresolved.issue).toContainEqual(
      expect.objectContaining({ severity: 'error', code: 'required', expression: ['Patient.identifier'] }),
    );
    await expectNothingKept(anonymous.eventId);
  });

  it('warns about a party the hub cannot resolve', async () => {
    const event = fixtureEvent('probation.psr.requested');
    const bundle = structuredClone(event.bundle) as Bundle;
    const index = bundle.entry?.findIndex((entry) => entry.resource?.resourceType === 'ServiceRequest') ?? -1;
    const request = bundle.entry?.[index]?.resource as ServiceRequest;
    request.performer = [{ identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'ZZ999' } }];
    const response = await validate(bundle, PRINCIPALS.probation);
    expect(response.status).toBe(200);
    const outcome = response.body as Outcome;
    expect(outcome.issue.filter((issue) => issue.severity === 'error')).toEqual([]);
    expect(outcome.issue).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        code: 'not-found',
        expression: [`Bundle.entry[${index}].resource.performer[0]`],
        diagnostics: expect.stringContaining('cannot resolve to a partner'),
      }),
    );
    await expectNothingKept(event.eventId);
  });

  it('refuses what is not a Bundle (400), another media type (415) and users (403), as OperationOutcomes', async () => {
    expect((await validate([1, 2])).status).toBe(400);
    const text = await request(server)
      .post('/fhir/Bundle/$validate')
      .set('Authorization', basicAuth(PRINCIPALS.slam))
      .set('Content-Type', 'text/plain')
      .send('hello');
    expect(text.status).toBe(415);
    const user = await validate(fixtureEvent('treatment.appointment.attended').bundle, PRINCIPALS.admin);
    expect(user.status).toBe(403);
    for (const response of [text, user]) expect((response.body as Outcome).resourceType).toBe('OperationOutcome');
  });
});
