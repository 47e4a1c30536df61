import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { AuditLog, AuditRecordInput } from '@cstr/audit';
import { EVENT_TYPES, ingressRoutingKey } from '@cstr/contracts';
import type { PersonIndex } from '@cstr/identity';
import { checkAuditRecordInput } from '@cstr/audit';
import { errorsOf, validateMessageBundle } from '@cstr/fhir';
import type { OutgoingMessage } from '@cstr/messaging';
import { loadConfig, projectPath } from '@cstr/platform';
import type { EntityManager } from 'typeorm';
import { HubMetrics } from '../core/hub-metrics';
import { HubPolicy } from '../core/hub-policy';
import { HubConfig } from '../hub.config';
import { IngressObservers } from './ingress-observer';
import { IngressPipeline } from './ingress.pipeline';
import { INGRESS_REFUSAL_CODES, type IngressResult } from './ingress-message';
import { fixtureEvent } from '../../test/ingress-test-kit';

const policy = HubPolicy.load(projectPath('config/partners.yaml'), projectPath('config/agreements'));
const config = loadConfig(HubConfig, {
  RABBITMQ_URL: 'amqp://hub:x@localhost/cstr',
  DATABASE_URL: 'postgres://localhost/cstr',
});

/** The pipeline over an in-memory stand-in of its database; every audit record it appends is checked as the audit log would. */
function pipelineUnderTest(): {
  process: (message: Parameters<IngressPipeline['process']>[1]) => Promise<IngressResult>;
  badRecords: AuditRecordInput[];
  published: OutgoingMessage[];
} {
  const badRecords: AuditRecordInput[] = [];
  const published: OutgoingMessage[] = [];
  const manager = {
    query: (sql: string) => Promise.resolve(sql.startsWith('SELECT') ? [] : []),
  } as unknown as EntityManager;
  const persons = {
    resolve: () =>
      Promise.resolve({
        ok: true,
        personId: randomUUID(),
        isNew: true,
        linked: [],
        merged: [],
        possibleMatches: [],
        conflicts: [],
        notLinked: [],
        issues: [],
        identifiers: [],
      }),
    partitionKey: () => 'k',
  } as unknown as PersonIndex;
  const audit = {
    append: (_: EntityManager, records: AuditRecordInput[]) => {
      badRecords.push(...records.filter((record) => !checkAuditRecordInput(record).ok));
      return Promise.resolve([]);
    },
  } as unknown as AuditLog;
  const pipeline = new IngressPipeline(
    policy,
    persons,
    config,
    new HubMetrics(
      () => true,
      () => true,
      { defaultMetrics: false },
    ),
    new IngressObservers(),
  );
  return {
    process: (message) =>
      pipeline.process(
        {
          manager,
          publish: (...messages) => Promise.resolve(void published.push(...messages)),
          appendAudit: async (records) => void (await audit.append(manager, records)),
        },
        message,
      ),
    badRecords,
    published,
  };
}

const senders = policy.partners.map((partner) => partner.id);
const types = fc.oneof(fc.constantFrom(...EVENT_TYPES), fc.string({ maxLength: 60 }));
const valid = fixtureEvent('court.hearing.listed').bundle;

/** A copy of `value` with the node at a random path replaced by random JSON. */
function mutate(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return replacement;
  const keys = Object.keys(value);
  if (keys.length === 0) return replacement;
  const key = keys[path[0] % keys.length];
  const copy: Record<string, unknown> = Array.isArray(value)
    ? ([...(value as unknown[])] as unknown as Record<string, unknown>)
    : { ...(value as Record<string, unknown>) };
  copy[key] = mutate((value as Record<string, unknown>)[key], path.slice(1), replacement);
  return copy;
}

function expectAnswered(result: IngressResult): void {
  if (result.kind === 'refused') {
    expect(INGRESS_REFUSAL_CODES).toContain(result.code);
    expect(result.outcome.resourceType).toBe('OperationOutcome');
    expect(result.outcome.issue.length).toBeGreaterThan(0);
    expect(result.reason).toMatch(/^[\x20-\x7E]{1,400}$/);
  } else {
    expect(result.kind).toBe('accepted');
  }
}

describe('IngressPipeline on fuzzed input', () => {
  it('answers 3,000 arbitrary envelopes and bodies with a refusal (OperationOutcome) or an acceptance, never an exception', async () => {
    const { process, badRecords } = pipelineUnderTest();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...senders, 'nobody', ''),
        types,
        fc.jsonValue({ maxDepth: 4 }),
        async (sender, type, body) => {
          expectAnswered(
            await process({ eventId: randomUUID(), type, routingKey: ingressRoutingKey(sender, type), body }),
          );
        },
      ),
      { numRuns: 3_000 },
    );
    expect(badRecords).toEqual([]);
  });

  it('answers 2,000 valid events with one random node replaced the same way, and accepts only valid ones and delivers only valid copies', async () => {
    const { process, badRecords, published } = pipelineUnderTest();
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        fc.jsonValue({ maxDepth: 2 }),
        async (path, replacement) => {
          published.length = 0;
          const body = mutate(valid, path, replacement);
          const result = await process({
            eventId: valid.id as string,
            type: 'court.hearing.listed',
            routingKey: 'croydon-mc.court.hearing.listed',
            body,
          });
          expectAnswered(result);
          if (result.kind === 'accepted') {
            accepted++;
            expect(errorsOf(validateMessageBundle(body))).toEqual([]);
            // Every copy that leaves the hub is itself a valid message Bundle.
            for (const message of published)
              expect(errorsOf(validateMessageBundle(JSON.parse(message.body.toString('utf8'))))).toEqual([]);
          } else expect(published).toEqual([]);
        },
      ),
      { numRuns: 2_000 },
    );
    expect(badRecords).toEqual([]);
    // The mutations are not all fatal: the accepted path was exercised too.
    expect(accepted).toBeGreaterThan(0);
  });
});
