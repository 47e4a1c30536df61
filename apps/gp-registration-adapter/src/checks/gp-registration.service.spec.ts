import type { DataSource, EntityManager } from 'typeorm';
import { buildEventBundle } from '@cstr/fhir';
import type { HandlerScope } from '@cstr/messaging';
import { IngressPublisher } from '@cstr/platform';
import { RecordingOutbox } from '@cstr/testing';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';
import { partnerFixture } from '@cstr/fixtures/fhir/partner/partner-files';
import type { GpPartnerSettings } from '../gp-partner-settings';
import type { PdsClient, PdsRead } from '../pds/pds.client';
import { GpRegistrationService, nhsNumberOf } from './gp-registration.service';

const SETTINGS: GpPartnerSettings = {
  partnerId: 'pds-gp-registration',
  name: 'PDS GP registration lookup',
  ods: 'X26',
  pdsBaseUrl: 'http://pds.test/pds',
};
const pdsPatient = (name: string): unknown => partnerFixture('pds', `${name}.json`);
const DELIVERED_ID = '1c9a5e0f-7b2d-4c3e-9f8a-6d5c4b3a2f10';

/** A database stand-in: records statements; the known-registration lookup answers `known`. */
function harness(read: PdsRead, known: { ods_code: string; start_date: string }[] = []) {
  const statements: { sql: string; parameters: unknown[] }[] = [];
  const manager = {
    query: async (sql: string, parameters: unknown[] = []) => {
      statements.push({ sql, parameters });
      return sql.startsWith('SELECT') ? known : [];
    },
  } as unknown as EntityManager;
  const dataSource = {
    transaction: async <T>(work: (m: EntityManager) => Promise<T>) => work(manager),
  } as unknown as DataSource;
  const outbox = new RecordingOutbox();
  const reads: string[] = [];
  const pds = {
    readPatient: async (nhsNumber: string) => (reads.push(nhsNumber), read),
    readDataref: async (url: string) => (
      reads.push(url),
      url.startsWith(`${SETTINGS.pdsBaseUrl}/Patient/`) ? read : ({ kind: 'not-allowed' } as PdsRead)
    ),
  } as unknown as PdsClient;
  const service = new GpRegistrationService(
    dataSource,
    new IngressPublisher({ PARTNER_ID: SETTINGS.partnerId }, outbox),
    pds,
    SETTINGS,
  );
  // The service publishes through IngressPublisher in the handler's transaction, not the scope's batch.
  const scope: HandlerScope = { manager, publish: () => Promise.reject(new Error('not the adapter way to publish')) };
  const remembered = () =>
    statements
      .filter((statement) => statement.sql.includes('INSERT INTO gp_known_registration'))
      .map((statement) => statement.parameters);
  return { service, scope, queued: outbox.queued, reads, remembered };
}

/** A delivered sentence about a person whose NHS number the court knew. */
function sentence() {
  const input = loadEventFixture('court.sentence.imposed');
  return buildEventBundle({
    ...input,
    person: { ...input.person, identifiers: { ...input.person.identifiers, nhsNumber: '9990000123' } },
  });
}

describe('GpRegistrationService.checkDelivered', () => {
  it('reads PDS for the NHS number of a delivered sentence and publishes gp.registration.checked, caused by it', async () => {
    const nhsNumber = nhsNumberOf(sentence());
    expect(nhsNumber).toBe('9990000123');
    const { service, scope, queued, reads, remembered } = harness({
      kind: 'found',
      patient: pdsPatient('patient-registered'),
    });

    const outcome = await service.checkDelivered(sentence(), DELIVERED_ID, scope);

    expect(outcome).toEqual({ kind: 'done' });
    expect(reads).toEqual([nhsNumber]);
    expect(queued.map((message) => [message.type, message.routingKey, message.correlationId])).toEqual([
      ['gp.registration.checked', 'pds-gp-registration.gp.registration.checked', DELIVERED_ID],
    ]);
    expect(remembered()).toEqual([['9990000123', 'H85026', '2024-06-20']]);
  });

  it('retries while PDS is down, and dead-letters an NHS number PDS does not know', async () => {
    const down = harness({ kind: 'unavailable', reason: 'PDS answered 503' });
    expect(await down.service.checkDelivered(sentence(), DELIVERED_ID, down.scope)).toEqual({
      kind: 'retry',
      reason: 'PDS answered 503',
    });
    const unknown = harness({ kind: 'not-found' });
    expect(await unknown.service.checkDelivered(sentence(), DELIVERED_ID, unknown.scope)).toMatchObject({
      kind: 'dead-letter',
      code: 'unknown-nhs-number',
    });
    expect([...down.queued, ...unknown.queued]).toHaveLength(0);
  });

  it('dead-letters a delivery without an NHS number, without asking PDS', async () => {
    const { service, scope, reads } = harness({ kind: 'not-found' });
    const bundle = sentence();
    const patient = bundle.entry?.find((entry) => entry.resource?.resourceType === 'Patient')?.resource as {
      identifier?: unknown;
    };
    delete patient.identifier;
    expect(await service.checkDelivered(bundle, DELIVERED_ID, scope)).toMatchObject({
      kind: 'dead-letter',
      code: 'no-nhs-number',
    });
    expect(reads).toEqual([]);
  });

  it('publishes a restricted or unregistered patient without a GP, and remembers nothing of a restricted one', async () => {
    const restricted = harness({ kind: 'found', patient: pdsPatient('patient-restricted') });
    expect(await restricted.service.checkDelivered(sentence(), DELIVERED_ID, restricted.scope)).toEqual({
      kind: 'done',
    });
    const restrictedBundle = JSON.parse(restricted.queued[0].body.toString('utf8')) as {
      entry: { resource: { resourceType: string; generalPractitioner?: unknown } }[];
    };
    expect(
      restrictedBundle.entry.find((entry) => entry.resource.resourceType === 'Patient')?.resource.generalPractitioner,
    ).toBeUndefined();
    expect(restricted.remembered()).toEqual([]);

    const unregistered = harness({ kind: 'found', patient: pdsPatient('patient-unregistered') });
    expect(await unregistered.service.checkDelivered(sentence(), DELIVERED_ID, unregistered.scope)).toEqual({
      kind: 'done',
    });
    expect(unregistered.queued.map((message) => message.type)).toEqual(['gp.registration.checked']);
    expect(unregistered.remembered()).toEqual([['9990000565', null, null]]);
  });
});

describe('GpRegistrationService.changeOfGp', () => {
  const signal = (dataref = `${SETTINGS.pdsBaseUrl}/Patient/9990000239`) => ({
    specversion: '1.0',
    id: 'c0ffee00-0000-4000-8000-000000000001',
    type: 'pds-change-of-gp-2',
    source: SETTINGS.pdsBaseUrl,
    subject: '9990000239',
    dataref,
  });

  it('fetches the dataref and publishes gp.registration.checked and gp.registration.changed, naming the practice left', async () => {
    const { service, queued, remembered } = harness({ kind: 'found', patient: pdsPatient('patient-changed-gp') }, [
      { ods_code: 'H85026', start_date: '2020-01-01' },
    ]);

    const result = await service.changeOfGp(signal());

    expect(result.httpStatus).toBe(202);
    expect(queued.map((message) => message.type)).toEqual(['gp.registration.checked', 'gp.registration.changed']);
    expect(queued[1].body.toString('utf8')).toContain('H85026');
    expect(remembered()).toEqual([['9990000239', 'H85033', '2027-01-05']]);
  });

  it('still says the GP changed when no earlier practice is known', async () => {
    const { service, queued } = harness({ kind: 'found', patient: pdsPatient('patient-changed-gp') });
    expect((await service.changeOfGp(signal())).httpStatus).toBe(202);
    expect(queued.map((message) => message.type)).toEqual(['gp.registration.checked', 'gp.registration.changed']);
  });

  it('refuses a dataref outside the PDS service (403), a malformed CloudEvent (400), and answers 503 while PDS is down', async () => {
    const { service, reads, queued } = harness({ kind: 'found', patient: pdsPatient('patient-changed-gp') });
    expect((await service.changeOfGp(signal('http://elsewhere.test/Patient/9990000239'))).httpStatus).toBe(403);
    const malformed = await service.changeOfGp({ specversion: '0.3', id: 'x' });
    expect(malformed.httpStatus).toBe(400);
    expect(malformed.outcome.issue.map((issue) => issue.expression?.[0])).toEqual([
      'specversion',
      'type',
      'subject',
      'dataref',
    ]);
    expect(queued).toHaveLength(0);
    expect(reads).toEqual(['http://elsewhere.test/Patient/9990000239']);

    const down = harness({ kind: 'unavailable', reason: 'PDS answered 502' });
    expect((await down.service.changeOfGp(signal())).httpStatus).toBe(503);
  });

  it('acknowledges CloudEvents of other types without doing anything', async () => {
    const { service, reads } = harness({ kind: 'not-found' });
    expect((await service.changeOfGp({ ...signal(), type: 'pds-death-notification-1' })).httpStatus).toBe(200);
    expect(reads).toEqual([]);
  });
});
