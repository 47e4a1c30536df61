import { randomUUID } from 'node:crypto';
import { AuditLog } from '@cstr/audit';
import { NHS_NUMBER_SYSTEM, PersonIndex } from '@cstr/identity';
import { DatabaseFixture, testEnvironment, uniqueName } from '@cstr/testing';
import { hubApp } from '../apps/hub/src/hub.app';
import { parseCommand, runEraseCommand } from './erase-person';

const KEY = 'hub-erase-person-test-audit-key-0123456789';

describe('npm run -s hub:erase-person (real PostgreSQL)', () => {
  const env = testEnvironment();
  let database: DatabaseFixture;

  beforeAll(async () => {
    database = await DatabaseFixture.open(env.databaseUrl, uniqueName('erase_cli'), hubApp.migrations);
  });

  afterAll(async () => {
    await database.close();
  });

  /** Runs the command with the hub's environment; returns its exit code and output. */
  async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const code = await runEraseCommand(
      args,
      {
        DATABASE_URL: env.databaseUrl,
        DATABASE_SCHEMA: database.schema,
        RABBITMQ_URL: 'amqp://unused@127.0.0.1:1/cstr',
        AUDIT_HMAC_KEY: KEY,
      },
      (stream, text) => (stream === 'out' ? (out += text) : (err += text)),
    );
    return { code, out, err };
  }

  it('reads its options, and answers anything else with the usage', async () => {
    expect(parseCommand(['--person', 'x', '--reason', 'y'])).toEqual({ kind: 'erase', person: 'x', reason: 'y' });
    expect(parseCommand(['--rectify', 'crn|X1', '--to', 'X2', '--reason', 'y', '--actor', 'ops'])).toEqual({
      kind: 'rectify',
      from: 'crn|X1',
      to: 'X2',
      reason: 'y',
      actor: 'ops',
    });
    for (const bad of [
      [],
      ['--person', 'x'],
      ['--person', 'x', '--to', 'y', '--reason', 'z'],
      ['--person', 'x', '--reason'],
    ])
      expect(parseCommand(bad)).toBeUndefined();
    const usage = await run('--person', 'x');
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/^usage: npm run -s hub:erase-person/);
  });

  it('erases a person by NHS number with their pathway, prints counts only, and the audit verifies with the erasure recorded', async () => {
    const index = new PersonIndex(database.dataSource);
    const audit = new AuditLog(database.dataSource, { key: KEY });
    const nhs = { system: NHS_NUMBER_SYSTEM, value: '9990000018' };
    const resolved = await index.resolve(
      { identifiers: [nhs] },
      { trusted: true, actor: 'hub', sourceEventId: randomUUID() },
    );
    if (!resolved.ok) throw new Error('resolve failed');
    // One step of the person's pathway, which the erasure deletes and counts.
    await database.dataSource.query(
      `INSERT INTO hub_pathway_event (event_id, person_id, event_type, sender, occurred_at, received_at)
       VALUES ($1, $2, 'ld.screening.completed', 'sl-liaison-diversion', now(), now())`,
      [randomUUID(), resolved.personId],
    );
    await database.dataSource.transaction((tx) =>
      audit.append(tx, [
        { kind: 'read', outcome: 'read', actor: 'ig-lead', reason: 'GET /audit', personIdentifiers: [nhs] },
      ]),
    );

    const result = await run('--person', nhs.value, '--reason', 'Erasure request upheld', '--actor', 'ops-admin');

    expect(result).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(result.out)).toEqual({
      erased: [resolved.personId],
      identifiers: 1,
      pathwayRows: 1,
      auditRecords: 1,
      auditSeq: 2,
    });
    const left = (await database.dataSource.query(
      'SELECT count(*)::int AS n FROM hub_pathway_event WHERE person_id = $1',
      [resolved.personId],
    )) as { n: number }[];
    expect(left).toEqual([{ n: 0 }]);
    expect(result.out).not.toContain(nhs.value);
    expect(await index.findByIdentifier(nhs.system, nhs.value)).toBeUndefined();
    expect(await audit.verify()).toEqual({ ok: true, checked: 2, headSeq: 2 });
    const page = await audit.search({ kind: 'operator-action' }, { limit: 1 });
    expect(page.ok && page.records[0]).toMatchObject({ actor: 'ops-admin', personIdentifiers: [] });

    const again = await run('--person', nhs.value, '--reason', 'Erasure request upheld');
    expect(again).toMatchObject({ code: 1, out: '' });
    expect(again.err).toMatch(/^person-not-found: /);
  });
});
