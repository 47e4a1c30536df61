import { randomUUID } from 'node:crypto';
import type * as amqp from 'amqplib';
import request from 'supertest';
import type { Bundle, MessageHeader, Patient } from 'fhir/r4';
import {
  AmqpHeaders,
  INGRESS_EXCHANGE,
  RETRY_EXCHANGE,
  deadLetterQueue,
  deliveryRoutingKey,
  partnerEndpoint,
  partnerInboxQueue,
  partnerRetryExchange,
  redeliverRoutingKey,
  HUB_INGRESS_QUEUE,
} from '@cstr/contracts';
import { encodeBody, type OutgoingMessage } from '@cstr/messaging';
import { BrokerFixture, eventually, keepByMessageId, testEnvironment, uniqueName } from '@cstr/testing';
import type { Role } from '../src/auth/roles';
import { fixtureEvent } from './ingress-test-kit';
import { PRINCIPALS, basicAuth, bootHub, type TestHub, type TestPrincipal } from './http-test-kit';
import { parkInInboxDeadLetters, publishOnce } from './partner-publishers';

type Server = Parameters<typeof request>[0];
interface Outcome {
  resourceType: 'OperationOutcome';
  issue: { severity: string; code: string; diagnostics?: string; expression?: string[] }[];
}

const ANYONE: Role[] = ['partner', 'ig-auditor', 'operator', 'admin'];

/** Every endpoint of the API (but /health), and the roles that may call it. */
const ENDPOINTS: { method: 'get' | 'post'; path: string; roles: Role[] }[] = [
  { method: 'post', path: '/fhir/$process-message', roles: ['partner'] },
  { method: 'get', path: '/audit', roles: ['ig-auditor', 'admin'] },
  { method: 'get', path: '/audit/verify', roles: ['ig-auditor', 'admin'] },
  { method: 'get', path: '/audit/flows', roles: ['ig-auditor', 'operator', 'admin'] },
  { method: 'get', path: '/agreements', roles: ANYONE },
  { method: 'get', path: '/agreements/cstr-south-london-mhtr', roles: ANYONE },
  { method: 'get', path: '/dead-letters', roles: ['operator', 'admin'] },
  { method: 'post', path: '/dead-letters/999999/replay', roles: ['operator', 'admin'] },
  { method: 'get', path: '/metrics', roles: ['operator', 'admin'] },
  { method: 'get', path: '/asyncapi', roles: ANYONE },
  { method: 'get', path: '/fhir/CodeSystem', roles: ANYONE },
  { method: 'get', path: '/fhir/CodeSystem/event-type', roles: ANYONE },
];

function expectOutcome(response: request.Response, status: number, code: string): Outcome {
  expect({ status: response.status, body: response.body as unknown }).toMatchObject({
    status,
    body: { resourceType: 'OperationOutcome', issue: expect.arrayContaining([expect.objectContaining({ code })]) },
  });
  expect(response.headers['content-type']).toMatch(/^application\/fhir\+json/);
  return response.body as Outcome;
}

const publishAs = (url: string, message: OutgoingMessage): Promise<void> =>
  publishOnce(url, message, 'http-api-test-publisher');

/** A probation partner whose inbox dead letters the hub keeps. */
const CROYDON_PROBATION = 'nps-london-croydon';

describe('the hub HTTP API', () => {
  const env = testEnvironment();
  let hub: TestHub;
  let server: Server;
  let broker: BrokerFixture;
  /** Copies of what reaches cstr.ingress from slam-mhtr and of replays to hub.ingress, by event id. */
  const seen = new Map<string, amqp.ConsumeMessage[]>();

  beforeAll(async () => {
    broker = await BrokerFixture.open(env.rabbitAdminUrl);
    await broker.watch(
      [
        { exchange: INGRESS_EXCHANGE, pattern: 'slam-mhtr.#' },
        { exchange: RETRY_EXCHANGE, pattern: redeliverRoutingKey(HUB_INGRESS_QUEUE) },
        {
          exchange: partnerRetryExchange(CROYDON_PROBATION),
          pattern: redeliverRoutingKey(partnerInboxQueue(CROYDON_PROBATION)),
        },
      ],
      keepByMessageId(seen),
      uniqueName('test_http_watch'),
    );
    hub = await bootHub();
    server = hub.app.getHttpServer() as Server;
  });

  afterAll(async () => {
    await hub?.close();
    await broker?.close();
  });

  const call = (method: 'get' | 'post', path: string, principal?: TestPrincipal): request.Test => {
    const test = request(server)[method](path);
    if (principal) test.set('Authorization', basicAuth(principal));
    if (method === 'post') test.set('Content-Type', 'application/fhir+json').send('{}');
    return test;
  };

  describe('authentication and roles', () => {
    it('refuses every endpoint but /health without credentials or with wrong ones: 401, WWW-Authenticate, OperationOutcome login', async () => {
      for (const { method, path } of [
        ...ENDPOINTS,
        { method: 'get' as const, path: '/docs-json' },
        { method: 'get' as const, path: '/docs' },
      ]) {
        for (const principal of [undefined, { id: PRINCIPALS.admin.id, secret: 'not the secret' }]) {
          const response = await call(method, path, principal as TestPrincipal | undefined);
          expectOutcome(response, 401, 'login');
          expect(response.headers['www-authenticate']).toMatch(/^Basic realm="cstr-hub"/);
        }
      }
      // An unknown id (checked against a decoy hash, so it takes as long as a wrong secret).
      for (const path of ['/audit', '/metrics'])
        expectOutcome(await call('get', path, { id: 'nobody', secret: 'x', roles: [] }), 401, 'login');
      expect((await request(server).get('/health')).status).toBe(200);
    });

    it.each([
      ['a partner', PRINCIPALS.slam],
      ['an IG auditor', PRINCIPALS.auditor],
      ['an operator', PRINCIPALS.operator],
      ['an admin', PRINCIPALS.admin],
      ['a user with two roles', PRINCIPALS.auditorOperator],
    ] as const)('lets %s call exactly the endpoints of its roles (others: 403 forbidden)', async (_, principal) => {
      for (const { method, path, roles } of ENDPOINTS) {
        const response = await call(method, path, principal);
        if (principal.roles.some((role: Role) => roles.includes(role))) {
          expect({ path, refused: [401, 403].includes(response.status) }).toEqual({ path, refused: false });
          expect(response.status).toBeLessThan(500);
        } else {
          expect({ path, status: response.status }).toEqual({ path, status: 403 });
          expectOutcome(response, 403, 'forbidden');
        }
      }
      expect((await call('get', '/docs-json', principal)).status).toBe(200);
    });
  });

  describe('POST /fhir/$process-message', () => {
    const submit = (
      body: unknown,
      principal: TestPrincipal = PRINCIPALS.slam,
      contentType = 'application/fhir+json',
    ): request.Test =>
      request(server)
        .post('/fhir/$process-message')
        .set('Authorization', basicAuth(principal))
        .set('Content-Type', contentType)
        .send(typeof body === 'string' ? body : JSON.stringify(body));

    it("accepts a partner's own valid event (202, naming the event id) and queues it once to cstr.ingress with the partner's routing key", async () => {
      const event = fixtureEvent('treatment.appointment.attended');
      const response = await submit(event.bundle);
      expect(response.status).toBe(202);
      expect((response.body as Outcome).issue[0]).toMatchObject({
        severity: 'information',
        code: 'informational',
        diagnostics: expect.stringContaining(event.eventId),
      });
      const [copy] = await eventually(
        async () => seen.get(event.eventId) ?? [],
        (copies) => copies.length > 0,
        10_000,
      );
      expect(copy.fields).toMatchObject({
        exchange: INGRESS_EXCHANGE,
        routingKey: 'slam-mhtr.treatment.appointment.attended',
      });
      expect(copy.properties).toMatchObject({
        messageId: event.eventId,
        type: 'treatment.appointment.attended',
        contentType: 'application/fhir+json',
      });
      expect(JSON.parse(copy.content.toString('utf8'))).toEqual(event.bundle);
      // The hub's own pipeline takes it from hub.ingress like any AMQP submission, and audits its decisions.
      await eventually(
        () =>
          hub.dataSource.query('SELECT 1 FROM audit_record WHERE event_id = $1', [event.eventId]) as Promise<unknown[]>,
        (rows) => rows.length > 0,
        15_000,
      );

      const again = await submit(event.bundle);
      expect(again.status).toBe(202);
      expect((again.body as Outcome).issue[0].diagnostics).toMatch(/already accepted/);
      const changed = structuredClone(event.bundle) as Bundle;
      changed.timestamp = '2026-07-01T09:00:00+01:00';
      expectOutcome(await submit(changed), 409, 'conflict');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(seen.get(event.eventId)).toHaveLength(1);
    });

    it('refuses a partner submitting as another partner (403), whatever the Bundle says', async () => {
      const event = fixtureEvent('treatment.appointment.attended');
      const outcome = expectOutcome(await submit(event.bundle, PRINCIPALS.probation), 403, 'forbidden');
      expect(outcome.issue[0].expression).toEqual(['Bundle.entry[0].resource.source.endpoint']);
      // slam-mhtr claiming to be probation, with a probation event:
      expectOutcome(await submit(fixtureEvent('probation.case.allocated').bundle), 403, 'forbidden');
      // slam-mhtr as itself, but an event only probation publishes:
      const probationEvent = fixtureEvent('probation.case.allocated').bundle;
      (probationEvent.entry?.[0].resource as MessageHeader).source.endpoint = partnerEndpoint('slam-mhtr');
      expect((await submit(probationEvent)).status).toBe(403);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(seen.get(event.eventId)).toBeUndefined();
    });

    it('answers bad bodies with an OperationOutcome: 400 not JSON or not a Bundle, 422 invalid event, 415 wrong media type, 413 too large', async () => {
      expectOutcome(await submit('{"resourceType": "Bundle", '), 400, 'invalid');
      expectOutcome(await submit([1, 2]), 400, 'structure');
      expectOutcome(await submit({ resourceType: 'Patient' }), 400, 'structure');
      const badNhs = fixtureEvent('treatment.appointment.attended').bundle;
      const patient = badNhs.entry?.find((entry) => entry.resource?.resourceType === 'Patient')?.resource as Patient;
      patient.identifier = patient.identifier?.map((identifier) =>
        identifier.system === 'https://fhir.nhs.uk/Id/nhs-number' ? { ...identifier, value: '9434765918' } : identifier,
      );
      const invalid = await submit(badNhs);
      expect(invalid.status).toBe(422);
      expect(
        (invalid.body as Outcome).issue.some(
          (issue) => issue.severity === 'error' && (issue.expression ?? []).some((path) => path.includes('identifier')),
        ),
      ).toBe(true);
      const unknownType = fixtureEvent('treatment.appointment.attended').bundle;
      (unknownType.entry?.[0].resource as MessageHeader).eventCoding = {
        system: 'https://cstr-hub.org.uk/fhir/CodeSystem/event-type',
        code: 'treatment.teleported',
      };
      expect((await submit(unknownType)).status).toBe(422);
      expectOutcome(
        await submit(fixtureEvent('treatment.appointment.attended').bundle, PRINCIPALS.slam, 'text/plain'),
        415,
        'not-supported',
      );
      expectOutcome(await submit({ resourceType: 'Bundle', padding: 'x'.repeat(1024 * 1024) }), 413, 'too-long');
      expect(
        (await submit({ ...fixtureEvent('treatment.appointment.attended').bundle, id: 'not-a-uuid' })).status,
      ).toBe(422);
      // Nest's own answers too: an unknown path, a wrong method.
      expectOutcome(
        await request(server).get('/fhir/Patient').set('Authorization', basicAuth(PRINCIPALS.slam)),
        404,
        'not-found',
      );
      expectOutcome(
        await request(server).get('/fhir/$process-message').set('Authorization', basicAuth(PRINCIPALS.slam)),
        404,
        'not-found',
      );
    });
  });

  describe('audit', () => {
    it('searches as a searchset Bundle of UKCore-AuditEvent, pages with a next link, and audits every read', async () => {
      const event = fixtureEvent('treatment.appointment.booked');
      expect(
        (
          await request(server)
            .post('/fhir/$process-message')
            .set('Authorization', basicAuth(PRINCIPALS.slam))
            .set('Content-Type', 'application/json')
            .send(event.bundle)
        ).status,
      ).toBe(202);
      await eventually(
        () =>
          hub.dataSource.query('SELECT 1 FROM audit_record WHERE event_id = $1', [event.eventId]) as Promise<unknown[]>,
        (rows) => rows.length > 0,
        15_000,
      );
      const reads = async (): Promise<number> =>
        Number(
          (
            (await hub.dataSource.query(
              "SELECT count(*) AS n FROM audit_record WHERE kind = 'read' AND actor = 'ig-lead'",
            )) as { n: string }[]
          )[0].n,
        );
      const before = await reads();

      const response = await request(server)
        .get('/audit?event=treatment.appointment.booked&limit=1')
        .set('Authorization', basicAuth(PRINCIPALS.auditor));
      expect(response.status).toBe(200);
      const bundle = response.body as Bundle;
      expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
      expect(bundle.entry).toHaveLength(1);
      expect(bundle.entry?.[0].resource).toMatchObject({
        resourceType: 'AuditEvent',
        meta: { profile: [expect.stringContaining('UKCore-AuditEvent')] },
      });
      const all = await request(server)
        .get('/audit?limit=1000&order=oldest-first')
        .set('Authorization', basicAuth(PRINCIPALS.admin));
      expect((all.body as Bundle).entry?.length).toBeGreaterThan(1);
      const next = (await request(server).get('/audit?limit=1').set('Authorization', basicAuth(PRINCIPALS.auditor)))
        .body as Bundle;
      expect(next.link?.find((link) => link.relation === 'next')?.url).toMatch(/^\/audit\?limit=1&after=\d+$/);
      expect(await reads()).toBe(before + 2);

      expectOutcome(
        await request(server).get('/audit?limit=0').set('Authorization', basicAuth(PRINCIPALS.auditor)),
        400,
        'value',
      );
      expectOutcome(
        await request(server).get('/audit?outcome=maybe').set('Authorization', basicAuth(PRINCIPALS.auditor)),
        400,
        'code-invalid',
      );
      expectOutcome(
        await request(server).get('/audit?from=yesterday').set('Authorization', basicAuth(PRINCIPALS.auditor)),
        400,
        'value',
      );
      expectOutcome(
        await request(server).get('/audit?colour=blue').set('Authorization', basicAuth(PRINCIPALS.auditor)),
        400,
        'value',
      );
      expectOutcome(
        await request(server).get('/audit?partner=a&partner=b').set('Authorization', basicAuth(PRINCIPALS.auditor)),
        400,
        'value',
      );
    });

    it('counts flows per sender, recipient and event type, delivered and refused', async () => {
      const response = await request(server)
        .get('/audit/flows?from=2020-01-01T00:00:00Z')
        .set('Authorization', basicAuth(PRINCIPALS.operator));
      expect(response.status).toBe(200);
      const body = response.body as {
        from: string;
        to: null;
        flows: { sender: string; recipient: string; eventType: string; delivered: number; refused: number }[];
      };
      expect(body).toMatchObject({ from: '2020-01-01T00:00:00Z', to: null });
      expect(body.flows.length).toBeGreaterThan(0);
      for (const flow of body.flows) {
        expect(flow).toEqual({
          sender: expect.any(String),
          recipient: expect.any(String),
          eventType: expect.any(String),
          delivered: expect.any(Number),
          refused: expect.any(Number),
          kept: expect.any(Number),
        });
      }
      expect(
        body.flows.some((flow) => flow.sender === 'slam-mhtr' && flow.eventType === 'treatment.appointment.attended'),
      ).toBe(true);
    });

    it('verifies the chain, and names the first broken record once one is altered', async () => {
      const intact = await request(server).get('/audit/verify').set('Authorization', basicAuth(PRINCIPALS.auditor));
      expect(intact.body).toMatchObject({
        ok: true,
        checked: expect.any(Number),
        headSeq: expect.any(Number),
        verifiedAt: expect.any(String),
      });
      expect((intact.body as { checked: number }).checked).toBeGreaterThan(0);
      // As somebody with database access could: the append-only trigger switched off for one edit.
      await hub.dataSource.transaction(async (tx) => {
        await tx.query('ALTER TABLE audit_record DISABLE TRIGGER USER');
        await tx.query("UPDATE audit_record SET reason = 'edited afterwards' WHERE seq = 2");
        await tx.query('ALTER TABLE audit_record ENABLE TRIGGER USER');
      });
      const broken = await request(server).get('/audit/verify').set('Authorization', basicAuth(PRINCIPALS.admin));
      expect(broken.body).toMatchObject({
        ok: false,
        firstBroken: { seq: 2, reason: 'hash-mismatch', detail: expect.any(String) },
      });
    });
  });

  describe('agreements, CodeSystems, AsyncAPI, metrics, docs', () => {
    it('lists agreements with their flows, legal basis and expiry; a partner only those it is party to', async () => {
      const all = (await request(server).get('/agreements').set('Authorization', basicAuth(PRINCIPALS.operator)))
        .body as {
        agreements: {
          id: string;
          inForce: boolean;
          daysToExpiry: number | null;
          flows: { from: unknown; to: unknown }[];
          legalBasis: { article6: string };
        }[];
      };
      expect(all.agreements.length).toBeGreaterThan(1);
      for (const agreement of all.agreements) {
        expect(agreement).toMatchObject({ inForce: expect.any(Boolean), legalBasis: { article6: expect.any(String) } });
        expect(agreement.flows.length).toBeGreaterThan(0);
      }
      const gp = (await request(server).get('/agreements').set('Authorization', basicAuth(PRINCIPALS.gp))).body as {
        agreements: { id: string; flows: { from: Record<string, string>; to: Record<string, string> }[] }[];
      };
      expect(gp.agreements.length).toBeGreaterThan(0);
      expect(gp.agreements.length).toBeLessThan(all.agreements.length);
      for (const agreement of gp.agreements) {
        expect(
          agreement.flows.some((flow) =>
            [flow.from, flow.to].some((party) => party.kind === 'gp' || party.id === 'pds-gp-registration'),
          ),
        ).toBe(true);
      }
      const hidden = all.agreements.find((agreement) => !gp.agreements.some((mine) => mine.id === agreement.id));
      expectOutcome(
        await request(server).get(`/agreements/${hidden?.id}`).set('Authorization', basicAuth(PRINCIPALS.gp)),
        404,
        'not-found',
      );
      expect(
        (await request(server).get(`/agreements/${hidden?.id}`).set('Authorization', basicAuth(PRINCIPALS.auditor)))
          .body,
      ).toMatchObject({ id: hidden?.id });
      expectOutcome(
        await request(server).get('/agreements/no-such-agreement').set('Authorization', basicAuth(PRINCIPALS.admin)),
        404,
        'not-found',
      );
    });

    it('publishes the CodeSystems, the AsyncAPI document (JSON or YAML) and the OpenAPI document', async () => {
      const systems = (await request(server).get('/fhir/CodeSystem').set('Authorization', basicAuth(PRINCIPALS.slam)))
        .body as Bundle;
      expect(systems).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
      expect(systems.entry?.map((entry) => entry.resource?.id)).toContain('event-type');
      expect(
        (await request(server).get('/fhir/CodeSystem/event-type').set('Authorization', basicAuth(PRINCIPALS.slam)))
          .body,
      ).toMatchObject({ resourceType: 'CodeSystem', url: 'https://cstr-hub.org.uk/fhir/CodeSystem/event-type' });
      expectOutcome(
        await request(server).get('/fhir/CodeSystem/nope').set('Authorization', basicAuth(PRINCIPALS.slam)),
        404,
        'not-found',
      );
      expect(
        (await request(server).get('/asyncapi').set('Authorization', basicAuth(PRINCIPALS.slam))).body,
      ).toMatchObject({ asyncapi: '3.0.0' });
      const yaml = await request(server)
        .get('/asyncapi')
        .set('Authorization', basicAuth(PRINCIPALS.slam))
        .set('Accept', 'application/yaml');
      expect(yaml.headers['content-type']).toMatch(/^application\/yaml/);
      expect(yaml.text).toMatch(/^asyncapi: 3\.0\.0/m);
      const openapi = (await request(server).get('/docs-json').set('Authorization', basicAuth(PRINCIPALS.operator)))
        .body as {
        openapi: string;
        paths: Record<
          string,
          { get?: { responses: Record<string, { content?: Record<string, { schema: { $ref: string } }> }> } }
        >;
        components: { schemas: Record<string, unknown> };
      };
      expect(openapi.openapi).toMatch(/^3\./);
      expect(openapi.components.schemas.OperationOutcome).toBeDefined();
      expect(openapi.paths['/audit'].get?.responses['403'].content?.['application/fhir+json'].schema.$ref).toBe(
        '#/components/schemas/OperationOutcome',
      );
      expect(Object.keys(openapi.paths)).toEqual(
        expect.arrayContaining([
          '/fhir/$process-message',
          '/audit',
          '/audit/verify',
          '/audit/flows',
          '/agreements',
          '/agreements/{id}',
          '/dead-letters',
          '/dead-letters/{id}/replay',
          '/metrics',
          '/asyncapi',
          '/fhir/CodeSystem',
        ]),
      );
      const page = await request(server).get('/docs/').set('Authorization', basicAuth(PRINCIPALS.operator));
      expect(page.text).not.toMatch(/https?:\/\/(cdn|unpkg)/);
    });

    it('serves Prometheus metrics: events in per type and partner, latency, dead letters', async () => {
      const response = await request(server).get('/metrics').set('Authorization', basicAuth(PRINCIPALS.operator));
      expect(response.headers['content-type']).toMatch(/^text\/plain/);
      expect(response.text).toMatch(
        /cstr_hub_events_in_total\{type="treatment\.appointment\.attended",partner="slam-mhtr"\} [1-9]/,
      );
      expect(response.text).toContain('cstr_hub_ingress_processing_seconds_bucket');
      expect(response.text).toMatch(/cstr_hub_dead_letters_pending\{queue="hub\.ingress\.dlq"\} \d+/);
      expect(response.text).toMatch(/cstr_hub_dlq_depth\{queue="hub\.ingress\.dlq"\} \d+/);
      expect(response.text).toContain('process_cpu_user_seconds_total');
    });
  });

  describe('dead letters', () => {
    it('shows an event the ingress pipeline dead-lettered (sent over AMQP by a partner) with the pipeline reason', async () => {
      const event = fixtureEvent('treatment.appointment.attended');
      (event.bundle.entry?.[0].resource as MessageHeader).source.endpoint = partnerEndpoint('st-andrews-mhtr');
      await publishAs(env.partnerUrls['slam-mhtr'], {
        exchange: INGRESS_EXCHANGE,
        routingKey: event.routingKey,
        eventId: event.eventId,
        type: event.type,
        body: encodeBody(event.bundle),
      });
      const page = await eventually(
        async () =>
          (
            await request(server)
              .get(`/dead-letters?event=${event.eventId}`)
              .set('Authorization', basicAuth(PRINCIPALS.admin))
          ).body as { deadLetters: Record<string, unknown>[] },
        (body) => body.deadLetters.length === 1,
        15_000,
      );
      expect(page.deadLetters[0]).toMatchObject({
        queue: 'hub.ingress.dlq',
        failedQueue: HUB_INGRESS_QUEUE,
        eventType: event.type,
        failureCode: 'sender-endpoint-mismatch',
        replayedAt: null,
      });
    });

    it("keeps what a partner's adapter dead-lettered (partner.<id>.inbox.dlq) with the partner and reason, and replays it to that inbox only", async () => {
      const inbox = partnerInboxQueue(CROYDON_PROBATION);
      const park = (eventId: string, failedQueue: string): Promise<string> =>
        parkInInboxDeadLetters(
          CROYDON_PROBATION,
          {
            eventId,
            type: 'treatment.appointment.missed',
            code: 'unknown-crn',
            reason: 'Delius has no case with this CRN (writing the contact).',
            body: '{"resourceType":"Bundle","secret":"Jordan Reid"}',
            failedQueue,
            deadLetteredAt: '2026-11-30T09:00:00.000Z',
          },
          'http-api-test-publisher',
        );
      const eventId = randomUUID();
      const spoofedId = randomUUID();
      await park(eventId, inbox);
      // A dead letter of Croydon's inbox that names Lambeth's inbox as the queue it failed in.
      await park(spoofedId, partnerInboxQueue('nps-london-lambeth'));
      const list = async (query: string): Promise<{ deadLetters: Record<string, unknown>[] }> =>
        (await request(server).get(`/dead-letters?${query}`).set('Authorization', basicAuth(PRINCIPALS.operator)))
          .body as { deadLetters: Record<string, unknown>[] };
      const { deadLetters } = await eventually(
        () => list(`partner=${CROYDON_PROBATION}&event=${eventId}`),
        (page) => page.deadLetters.length === 1,
        10_000,
      );
      const [letter] = deadLetters;
      expect(letter).toMatchObject({
        queue: deadLetterQueue(inbox),
        partner: CROYDON_PROBATION,
        failedQueue: inbox,
        eventId,
        failureCode: 'unknown-crn',
        // The partner's word, shown as such.
        failureReason: `Reported by ${CROYDON_PROBATION}'s adapter: Delius has no case with this CRN (writing the contact).`,
        replayedAt: null,
      });
      expect(JSON.stringify(letter)).not.toContain('Jordan');
      // A delivery the partner's adapter could not apply is audited when the hub drains it.
      expect(
        await hub.dataSource.query(
          "SELECT recipient, refusing_rule FROM audit_record WHERE event_id = $1 AND kind = 'dead-letter'",
          [eventId],
        ),
      ).toEqual([{ recipient: CROYDON_PROBATION, refusing_rule: 'unknown-crn' }]);
      expect((await list(`partner=nps-london-lambeth&event=${eventId}`)).deadLetters).toEqual([]);
      expectOutcome(
        await request(server).get('/dead-letters?partner=nobody').set('Authorization', basicAuth(PRINCIPALS.operator)),
        400,
        'value',
      );
      expectOutcome(
        await request(server)
          .get(`/dead-letters?partner=${CROYDON_PROBATION}`)
          .set('Authorization', basicAuth(PRINCIPALS.slam)),
        403,
        'forbidden',
      );

      const replay = await request(server)
        .post(`/dead-letters/${String(letter.id)}/replay`)
        .set('Authorization', basicAuth(PRINCIPALS.operator));
      expect(replay.status).toBe(202);
      const [copy] = await eventually(
        async () => seen.get(eventId) ?? [],
        (copies) => copies.length > 0,
        10_000,
      );
      expect(copy.fields).toMatchObject({
        exchange: partnerRetryExchange(CROYDON_PROBATION),
        routingKey: redeliverRoutingKey(inbox),
      });
      expect(copy.properties.headers).toMatchObject({
        [AmqpHeaders.attempt]: 1,
        [AmqpHeaders.originalRoutingKey]: deliveryRoutingKey(CROYDON_PROBATION, 'treatment.appointment.missed'),
      });
      expect(copy.properties.headers?.[AmqpHeaders.failureCode]).toBeUndefined();
      // Back in the partner's inbox (no adapter runs here): take it out again.
      const backInInbox = await eventually(
        () => broker.drain(inbox),
        (messages) => messages.some((message) => message.properties.messageId === eventId),
        10_000,
      );
      expect(backInInbox.filter((message) => message.properties.messageId === eventId)).toHaveLength(1);
      expect(
        (
          (await hub.dataSource.query("SELECT reason FROM audit_record WHERE event_id = $1 AND actor = 'ops'", [
            eventId,
          ])) as { reason: string }[]
        )[0]?.reason,
      ).toContain(inbox);

      // The queue it names is not believed: it goes back only to the inbox whose DLQ it came from.
      const [spoofed] = (
        await eventually(
          () => list(`event=${spoofedId}`),
          (page) => page.deadLetters.length === 1,
          10_000,
        )
      ).deadLetters;
      expect(spoofed).toMatchObject({ partner: CROYDON_PROBATION, failedQueue: inbox });
      const spoofedReplay = await request(server)
        .post(`/dead-letters/${String(spoofed.id)}/replay`)
        .set('Authorization', basicAuth(PRINCIPALS.operator));
      expect(spoofedReplay.status).toBe(202);
      const [spoofedCopy] = await eventually(
        async () => seen.get(spoofedId) ?? [],
        (copies) => copies.length > 0,
        10_000,
      );
      expect(spoofedCopy.fields).toMatchObject({
        exchange: partnerRetryExchange(CROYDON_PROBATION),
        routingKey: redeliverRoutingKey(inbox),
      });
      await eventually(
        () => broker.drain(inbox),
        (messages) => messages.some((message) => message.properties.messageId === spoofedId),
        10_000,
      );
    });

    it('keeps what lands in hub.ingress.dlq (metadata and reason, never the body) and replays it once to the queue it failed in', async () => {
      const eventId = randomUUID();
      // As the hub parks a refusal: with its own broker user (the one the hub believes there).
      await publishAs(env.hubUrl, {
        exchange: RETRY_EXCHANGE,
        routingKey: deadLetterQueue(HUB_INGRESS_QUEUE),
        body: Buffer.from('{"resourceType":"Bundle","secret":"Jordan Reid"}'),
        eventId,
        type: 'treatment.appointment.missed',
        headers: {
          [AmqpHeaders.failureCode]: 'invalid-bundle',
          [AmqpHeaders.failureReason]: 'The message Bundle is invalid: 2 error(s)',
          [AmqpHeaders.failedQueue]: HUB_INGRESS_QUEUE,
          [AmqpHeaders.attempt]: 1,
          [AmqpHeaders.deadLetteredAt]: '2026-11-30T08:00:00.000Z',
          [AmqpHeaders.partitionKey]: 'p-123',
        },
      });
      const list = async (): Promise<{ deadLetters: Record<string, unknown>[] }> =>
        (
          await request(server)
            .get(`/dead-letters?event=${eventId}`)
            .set('Authorization', basicAuth(PRINCIPALS.operator))
        ).body as { deadLetters: Record<string, unknown>[] };
      const { deadLetters } = await eventually(list, (page) => page.deadLetters.length === 1, 10_000);
      const [letter] = deadLetters;
      expect(letter).toMatchObject({
        queue: 'hub.ingress.dlq',
        failedQueue: HUB_INGRESS_QUEUE,
        eventId,
        eventType: 'treatment.appointment.missed',
        failureCode: 'invalid-bundle',
        failureReason: 'The message Bundle is invalid: 2 error(s)',
        attempts: 1,
        deadLetteredAt: '2026-11-30T08:00:00.000Z',
        replayedAt: null,
      });
      expect(JSON.stringify(letter)).not.toContain('Jordan');
      expect(await broker.depth(deadLetterQueue(HUB_INGRESS_QUEUE))).toBe(0);

      const replay = await request(server)
        .post(`/dead-letters/${String(letter.id)}/replay`)
        .set('Authorization', basicAuth(PRINCIPALS.operator));
      expect(replay.status).toBe(202);
      expect(replay.body).toMatchObject({ id: letter.id, replayedBy: 'ops', replayedAt: expect.any(String) });
      const [copy] = await eventually(
        async () => seen.get(eventId) ?? [],
        (copies) => copies.length > 0,
        10_000,
      );
      expect(copy.fields).toMatchObject({
        exchange: RETRY_EXCHANGE,
        routingKey: redeliverRoutingKey(HUB_INGRESS_QUEUE),
      });
      expect(copy.properties.headers).toMatchObject({ [AmqpHeaders.attempt]: 1, [AmqpHeaders.partitionKey]: 'p-123' });
      expect(copy.properties.headers?.[AmqpHeaders.failureCode]).toBeUndefined();
      expectOutcome(
        await request(server)
          .post(`/dead-letters/${String(letter.id)}/replay`)
          .set('Authorization', basicAuth(PRINCIPALS.admin)),
        409,
        'conflict',
      );
      expect(
        (await hub.dataSource.query("SELECT kind, outcome FROM audit_record WHERE event_id = $1 AND actor = 'ops'", [
          eventId,
        ])) as unknown[],
      ).toEqual([{ kind: 'operator-action', outcome: 'performed' }]);
      // The pipeline audited this refusal itself (an ingress refusal code): draining it adds no record.
      expect(
        (await hub.dataSource.query("SELECT 1 FROM audit_record WHERE event_id = $1 AND kind = 'dead-letter'", [
          eventId,
        ])) as unknown[],
      ).toHaveLength(0);
      expectOutcome(
        await request(server).post('/dead-letters/abc/replay').set('Authorization', basicAuth(PRINCIPALS.operator)),
        400,
        'value',
      );
      expectOutcome(
        await request(server)
          .get('/dead-letters?replayed=perhaps')
          .set('Authorization', basicAuth(PRINCIPALS.operator)),
        400,
        'value',
      );
      const replayed = (
        await request(server).get('/dead-letters?replayed=true').set('Authorization', basicAuth(PRINCIPALS.admin))
      ).body as { deadLetters: { id: string }[] };
      expect(replayed.deadLetters.map((each) => each.id)).toContain(letter.id);
    });
  });
});
