import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { AuditLog, AuditRecordInput } from '@cstr/audit';
import {
  AmqpHeaders,
  DELIVERY_EXCHANGE,
  HUB_PARTNER_ID,
  partnerEndpoint,
  type EventType,
  type OperationOutcome,
} from '@cstr/contracts';
import {
  CRN_SYSTEM,
  NHS_NUMBER_SYSTEM,
  PNC_ID_SYSTEM,
  type PersonIndex,
  type PersonSubject,
  type ResolveContext,
} from '@cstr/identity';
import type { OutgoingMessage } from '@cstr/messaging';
import { loadConfig, projectPath } from '@cstr/platform';
import type { Bundle, MessageHeader } from 'fhir/r4';
import type { EntityManager } from 'typeorm';
import { HubMetrics } from '../core/hub-metrics';
import { HubPolicy } from '../core/hub-policy';
import { HubConfig } from '../hub.config';
import type { IngressResult, IngressScope } from './ingress-message';
import {
  INGRESS_OBSERVER_ORDER,
  IngressObservers,
  type IngressObserver,
  type IngressObserverName,
} from './ingress-observer';
import { IngressPipeline } from './ingress.pipeline';
import { fixtureEvent, providerConsentWithdrawn, type TestEvent } from '../../test/ingress-test-kit';

const policy = HubPolicy.load(projectPath('config/partners.yaml'), projectPath('config/agreements'));
const config = loadConfig(HubConfig, {
  RABBITMQ_URL: 'amqp://hub:x@localhost/cstr',
  DATABASE_URL: 'postgres://localhost/cstr',
});
const NOW = new Date('2026-07-01T12:00:00Z');

/**
 * The pipeline with its database replaced by an in-memory stand-in: the person index resolves
 * every subject with a strong identifier to one person, the person state and refusals live in
 * maps, and the audit log collects what it is given.
 */
function harness(
  options: {
    readonly observers?: IngressObservers;
    readonly knownIdentifiers?: readonly { readonly system: string; readonly value: string }[];
  } = {},
) {
  const personId = randomUUID();
  const states = new Map<string, { relationships: unknown; consent: unknown }>();
  const refusals: unknown[][] = [];
  const scores: unknown[][] = [];
  const audited: AuditRecordInput[] = [];
  const published: OutgoingMessage[] = [];
  const resolves: { subject: PersonSubject; context: ResolveContext }[] = [];
  const manager = {
    query: (sql: string, params: unknown[]): Promise<unknown> => {
      if (sql.startsWith('SELECT person_id')) {
        const ids = params[0] as string[];
        return Promise.resolve(ids.filter((id) => states.has(id)).map((id) => ({ person_id: id, ...states.get(id) })));
      }
      if (sql.includes('INSERT INTO hub_person_state')) {
        // One row per person, as arrays (unnest).
        const [ids, relationships, consents] = params as string[][];
        ids.forEach((id, index) =>
          states.set(id, { relationships: JSON.parse(relationships[index]), consent: JSON.parse(consents[index]) }),
        );
        return Promise.resolve([]);
      }
      if (sql.includes('INSERT INTO hub_outcome_score')) {
        scores.push(params);
        return Promise.resolve([]);
      }
      if (sql.includes('INSERT INTO ingress_refusal')) {
        refusals.push(params);
        return Promise.resolve([]);
      }
      return Promise.reject(new Error(`unexpected query ${sql}`));
    },
  } as unknown as EntityManager;
  const persons = {
    resolve: (subject: PersonSubject, context: ResolveContext) => {
      resolves.push({ subject, context });
      return Promise.resolve({
        ok: true,
        personId,
        isNew: false,
        linked: [],
        merged: [],
        possibleMatches: [],
        conflicts: [],
        notLinked: [],
        issues: [],
        identifiers: options.knownIdentifiers ?? [],
      });
    },
    partitionKey: (id: string) => `key-of-${id}`,
  } as unknown as PersonIndex;
  const audit = {
    append: (_: EntityManager, records: AuditRecordInput[]) => Promise.resolve(audited.push(...records)),
  } as unknown as AuditLog;
  const metrics = new HubMetrics(
    () => true,
    () => true,
    { defaultMetrics: false },
  );
  const pipeline = new IngressPipeline(policy, persons, config, metrics, options.observers ?? new IngressObservers());
  const scope: IngressScope = {
    manager,
    publish: (...messages) => Promise.resolve(void published.push(...messages)),
    appendAudit: async (records) => void (await audit.append(manager, records)),
  };
  const send = (
    event: TestEvent,
    overrides: Partial<TestEvent> = {},
    options: { hubOriginated?: boolean; validated?: OperationOutcome } = {},
  ): Promise<IngressResult> => {
    audited.length = 0;
    published.length = 0;
    return pipeline.process(scope, { ...event, ...overrides, traceparent: undefined }, { now: NOW, ...options });
  };
  return { personId, send, audited, published, refusals, resolves, metrics, scores };
}

function headerOf(body: Buffer): MessageHeader {
  return (JSON.parse(body.toString('utf8')) as Bundle).entry?.[0]?.resource as MessageHeader;
}

const recipientsOf = (published: readonly OutgoingMessage[]): string[] =>
  published.map((message) => message.routingKey.split('.')[0]).sort();

/** An observer that records, in `seen`, its name and a snapshot of the Bundle it was given. */
function recordingObserver(
  observerName: IngressObserverName,
  seen: { name: string; bundle: string }[],
): IngressObserver {
  return {
    observerName,
    onAccepted: async (_scope, event) => void seen.push({ name: observerName, bundle: JSON.stringify(event.bundle) }),
  };
}

describe('IngressPipeline', () => {
  it('tells the observers, in their fixed order, of the Bundle as the sender sent it, while copies gain known identifiers', async () => {
    const observers = new IngressObservers();
    const seen: { name: string; bundle: string }[] = [];
    // Registered against INGRESS_OBSERVER_ORDER: the registry puts them back in it.
    for (const name of [...INGRESS_OBSERVER_ORDER].reverse()) observers.register(recordingObserver(name, seen));
    const known = [
      { system: CRN_SYSTEM, value: 'X999991' },
      { system: NHS_NUMBER_SYSTEM, value: '9990000123' },
      { system: PNC_ID_SYSTEM, value: '2001/0012345A' },
    ];
    const { send, published } = harness({ observers, knownIdentifiers: known });
    for (const type of ['court.hearing.listed', 'probation.case.allocated'] as EventType[])
      await send(fixtureEvent(type));
    const consent = fixtureEvent('consent.recorded');
    const sent = JSON.stringify(consent.body);
    seen.length = 0;

    expect((await send(consent)).kind).toBe('accepted');

    expect(seen.map((each) => each.name)).toEqual([...INGRESS_OBSERVER_ORDER]);
    for (const each of seen) expect(each.bundle).toBe(sent);
    const added = known.filter(({ value }) => !sent.includes(value));
    expect(added.length).toBeGreaterThan(0);
    expect(published.some((message) => added.some(({ value }) => message.body.toString('utf8').includes(value)))).toBe(
      true,
    );
  });

  it('delivers a hearing listed at a court to exactly the L&D and probation partners covering that court, one audit record each', async () => {
    const { send, published, audited, personId } = harness();
    const event = fixtureEvent('court.hearing.listed');
    const result = await send(event);
    expect(result).toMatchObject({ kind: 'accepted', personId, sender: 'croydon-mc' });
    expect(recipientsOf(published)).toEqual(['nps-london-croydon', 'sl-liaison-diversion']);
    for (const message of published) {
      const recipient = message.routingKey.split('.')[0];
      expect(message).toMatchObject({
        exchange: DELIVERY_EXCHANGE,
        routingKey: `${recipient}.court.hearing.listed`,
        eventId: event.eventId,
        type: 'court.hearing.listed',
        correlationId: event.correlationId,
      });
      expect(message.headers?.[AmqpHeaders.partitionKey]).toBe(`key-of-${personId}`);
      expect(message.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(headerOf(message.body).destination?.map((destination) => destination.endpoint)).toEqual([
        partnerEndpoint(recipient),
      ]);
    }
    expect(audited.map((record) => [record.recipient, record.outcome]).sort()).toEqual([
      ['nps-london-croydon', 'delivered'],
      ['sl-liaison-diversion', 'delivered'],
    ]);
    for (const record of audited) {
      expect(record).toMatchObject({
        kind: 'decision',
        eventId: event.eventId,
        eventType: 'court.hearing.listed',
        sender: 'croydon-mc',
      });
      expect(record.agreement?.id).toBeTruthy();
      expect(record.flowId).toBeTruthy();
      expect(record.legalBasis?.article6).toBeTruthy();
      expect(record.personIdentifiers?.length).toBeGreaterThan(0);
      expect(record.removedElements).toContain('Patient.address');
    }
    for (const message of published) expect(message.body.toString('utf8')).not.toContain('Elmwood Road');
  });

  it('takes the outcome a worker validated ahead instead of validating again', async () => {
    const { send, published } = harness();
    const event = fixtureEvent('court.hearing.listed');
    const workerSaid: OperationOutcome = {
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'error', code: 'value', diagnostics: 'Found by the worker', expression: ['Bundle.entry[1]'] },
      ],
    };
    const result = await send(event, {}, { validated: workerSaid });
    expect(result).toMatchObject({ kind: 'refused', code: 'invalid-bundle' });
    expect(published).toEqual([]);
    expect(await send(event, {}, { validated: { resourceType: 'OperationOutcome', issue: [] } })).toMatchObject({
      kind: 'accepted',
    });
  });

  it('courts are trusted with identity, providers are not (default IDENTITY_TRUSTED_KINDS)', async () => {
    const { send, resolves } = harness();
    await send(fixtureEvent('court.hearing.listed'));
    await send(fixtureEvent('treatment.appointment.booked'));
    expect(resolves.map((each) => each.context.trusted)).toEqual([true, false]);
    expect(resolves[0].subject).toMatchObject({ family: 'Reid', birthDate: '1991-03-14' });
    expect(resolves[0].subject.identifiers.length).toBeGreaterThanOrEqual(3);
  });

  it('gives a missed appointment to the allocated probation team (significance only) and not to the other provider; consent withdrawn stops the next one', async () => {
    const { send, published, audited } = harness();
    for (const type of [
      'court.hearing.listed',
      'probation.case.allocated',
      'treatment.referral.requested',
      'treatment.referral.accepted',
      'consent.recorded',
    ] as EventType[]) {
      expect((await send(fixtureEvent(type))).kind).toBe('accepted');
    }
    const missed = fixtureEvent('treatment.appointment.missed');
    await send(missed);
    expect(recipientsOf(published)).toEqual(['nps-london-croydon']);
    const delivered = JSON.stringify(JSON.parse(published[0].body.toString('utf8')));
    expect(delivered).toContain('non-attendance-significance');
    expect(delivered).not.toContain('No contact before or after the session');
    expect(delivered).not.toContain('st-andrews-mhtr');
    expect(audited.find((record) => record.recipient === 'nps-london-croydon')).toMatchObject({
      outcome: 'delivered',
      consentReference: expect.stringContaining('SLAM-CONSENT-3107'),
    });
    expect(
      audited.find((record) => record.recipient === 'nps-london-croydon')?.removedElements?.length,
    ).toBeGreaterThan(0);
    expect(audited.some((record) => record.recipient === 'st-andrews-mhtr')).toBe(false);

    expect((await send(providerConsentWithdrawn())).kind).toBe('accepted');
    const next = fixtureEvent('treatment.appointment.missed');
    await send(next);
    expect(published.filter((message) => message.routingKey.startsWith('nps-london-croydon.'))).toEqual([]);
    expect(audited.find((record) => record.recipient === 'nps-london-croydon')).toMatchObject({
      outcome: 'refused',
      refusingRule: 'consent-withdrawn',
      eventId: next.eventId,
    });
  });

  it('keeps outcome scores for its reporting and gives probation the progress summary without them', async () => {
    const { send, published, scores, personId } = harness();
    for (const type of [
      'court.hearing.listed',
      'probation.case.allocated',
      'treatment.referral.requested',
      'treatment.referral.accepted',
      'consent.recorded',
    ] as EventType[])
      await send(fixtureEvent(type));
    const progress = fixtureEvent('treatment.progress.reported');
    await send(progress);
    expect(scores).toHaveLength(1);
    const [eventId, person, sender, instruments, values, , stages] = scores[0];
    expect([eventId, person, sender]).toEqual([progress.eventId, personId, 'slam-mhtr']);
    expect(instruments).toEqual(['phq-9', 'gad-7', 'core-34', 'phq-9']);
    expect(values).toEqual([19, 15, 68, 12]);
    expect(stages).toEqual(['baseline', 'baseline', 'baseline', 'review']);
    expect(recipientsOf(published)).toEqual(['nps-london-croydon']);
    const copy = published[0].body.toString('utf8');
    expect(copy).not.toMatch(/outcome-score|44261-6/);
  });

  it('takes events the hub originates only in-process: a cstr-hub routing key from outside is an unknown sender', async () => {
    const { send, published, resolves } = harness();
    await send(fixtureEvent('court.hearing.listed'));
    const candidate = fixtureEvent('pathway.candidate.identified');
    expect(await send(candidate)).toMatchObject({ kind: 'refused', code: 'unknown-sender' });
    const accepted = await send(candidate, {}, { hubOriginated: true });
    expect(accepted).toMatchObject({ kind: 'accepted', sender: HUB_PARTNER_ID });
    expect(resolves[resolves.length - 1].context.trusted).toBe(true);
    expect(recipientsOf(published).length).toBeGreaterThan(0);
    expect(recipientsOf(published).every((id) => ['nps-london-croydon', 'sl-liaison-diversion'].includes(id))).toBe(
      true,
    );
  });

  it('audits an event no partner receives as kept by the hub', async () => {
    const { send, published, audited } = harness();
    const consent = fixtureEvent('consent.recorded');
    await send(consent);
    expect(published).toEqual([]);
    expect(audited).toEqual([
      expect.objectContaining({
        kind: 'kept-by-hub',
        outcome: 'kept',
        recipient: HUB_PARTNER_ID,
        refusingRule: 'no-recipient',
        eventId: consent.eventId,
      }),
    ]);
  });

  describe('refuses at ingress, records the OperationOutcome, delivers nothing', () => {
    const cases: [string, (event: TestEvent) => Partial<TestEvent>, string][] = [
      ['an unknown sender', () => ({ routingKey: 'nobody-at-all.court.hearing.listed' }), 'unknown-sender'],
      [
        'an unknown event type',
        () => ({ type: 'court.hearing.cancelled', routingKey: 'croydon-mc.court.hearing.cancelled' }),
        'unknown-event-type',
      ],
      [
        'a routing key of another type',
        () => ({ routingKey: 'croydon-mc.court.hearing.resulted' }),
        'routing-key-mismatch',
      ],
      [
        'a kind that may not publish the type',
        () => ({ routingKey: 'slam-mhtr.court.hearing.listed' }),
        'sender-kind-not-allowed',
      ],
      [
        'a partner claiming another partner endpoint',
        () => ({ routingKey: 'camberwell-green-mc.court.hearing.listed' }),
        'sender-endpoint-mismatch',
      ],
      [
        'an AMQP type that differs from the MessageHeader',
        () => ({ type: 'court.hearing.resulted', routingKey: 'croydon-mc.court.hearing.resulted' }),
        'event-type-mismatch',
      ],
      ['a message id that is not the Bundle id', () => ({ eventId: randomUUID() }), 'event-id-mismatch'],
      ['a resource that is not a Bundle', () => ({ body: { resourceType: 'Patient' } }), 'invalid-bundle'],
      ['a body that is not an object', () => ({ body: 'hello' }), 'invalid-bundle'],
    ];
    it.each(cases)('%s', async (_, change, code) => {
      const { send, published, audited, refusals } = harness();
      const event = fixtureEvent('court.hearing.listed');
      const overrides = change(event);
      const eventId = overrides.eventId ?? event.eventId;
      const result = await send(event, overrides);
      expect(result).toMatchObject({ kind: 'refused', code });
      if (result.kind !== 'refused') return;
      expect(result.outcome.issue.length).toBeGreaterThan(0);
      expect(result.reason).not.toMatch(/Reid|Jordan|1991/);
      expect(published).toEqual([]);
      expect(refusals).toHaveLength(1);
      expect(refusals[0][0]).toBe(eventId);
      expect(refusals[0][3]).toBe(code);
      expect(JSON.parse(refusals[0][5] as string)).toEqual(result.outcome);
      expect(audited).toEqual([
        expect.objectContaining({ kind: 'refusal-at-ingress', outcome: 'refused', eventId, refusingRule: code }),
      ]);
    });

    it('an invalid identifier inside an otherwise valid Bundle', async () => {
      const { send, published } = harness();
      const event = fixtureEvent('court.hearing.listed');
      const bundle = JSON.parse(JSON.stringify(event.bundle)) as Bundle;
      const patient = bundle.entry?.find((entry) => entry.resource?.resourceType === 'Patient')
        ?.resource as unknown as { identifier: { system: string; value: string }[] };
      patient.identifier = [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '1234567890' }];
      const result = await send(event, { body: bundle });
      expect(result.kind).toBe('refused');
      expect(published).toEqual([]);
    });
  });

  it('counts events in, delivered and refused per type and partner', async () => {
    const { send, metrics } = harness();
    await send(fixtureEvent('court.hearing.listed'));
    await send(fixtureEvent('court.hearing.listed'), { routingKey: 'nobody.court.hearing.listed' });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/cstr_hub_events_in_total\{type="court.hearing.listed",partner="croydon-mc"\} 1/);
    expect(text).toMatch(
      /cstr_hub_events_delivered_total\{type="court.hearing.listed",partner="sl-liaison-diversion"\} 1/,
    );
    expect(text).toMatch(
      /cstr_hub_events_refused_total\{type="court.hearing.listed",partner="nobody",stage="ingress"\} 1/,
    );
    expect(text).toMatch(/cstr_hub_ingress_processing_seconds_count\{type="court.hearing.listed"\} 2/);
  });
});
