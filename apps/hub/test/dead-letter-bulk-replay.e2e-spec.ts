import request from 'supertest';
import { deadLetterQueue, partnerInboxQueue, partnerRetryExchange, redeliverRoutingKey } from '@cstr/contracts';
import { BrokerFixture, eventually, testEnvironment, uniqueName } from '@cstr/testing';
import { PRINCIPALS, basicAuth, bootHub, type TestHub, type TestPrincipal } from './http-test-kit';
import { parkInInboxDeadLetters } from './partner-publishers';

type Server = Parameters<typeof request>[0];

const CROYDON = 'nps-london-croydon';
const LAMBETH = 'nps-london-lambeth';
const TYPE = 'treatment.appointment.missed';

interface BulkAnswer {
  dryRun: boolean;
  count: number;
  more: boolean;
  deadLetters: Record<string, unknown>[];
  notReplayable: { id: string; reason: string }[];
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A bulk replay of dead letters by filter (partner, failure code, period) against a real hub,
 * broker and database: the dry run lists exactly the matching dead letters and sends nothing;
 * the replay sends exactly those back to the partner's inbox, once, and audits the filter and count.
 */
describe('bulk replay of dead letters by filter', () => {
  const env = testEnvironment();
  let hub: TestHub;
  let server: Server;
  let broker: BrokerFixture;
  /** Event ids of what comes back to the Croydon or Lambeth inbox under their redeliver keys. */
  const redelivered: string[] = [];

  beforeAll(async () => {
    broker = await BrokerFixture.open(env.rabbitAdminUrl);
    await broker.watch(
      [CROYDON, LAMBETH].map((partner) => ({
        exchange: partnerRetryExchange(partner),
        pattern: redeliverRoutingKey(partnerInboxQueue(partner)),
      })),
      (message) => redelivered.push(String(message.properties.messageId)),
      uniqueName('test_bulk_replay_watch'),
    );
    hub = await bootHub();
    server = hub.app.getHttpServer() as Server;
  });

  afterAll(async () => {
    await hub?.close();
    await broker?.close();
  });

  /** Parks an event in `partner`'s inbox DLQ as its adapter does (its own broker user and retry exchange). */
  async function park(partner: string, code: string): Promise<string> {
    return parkInInboxDeadLetters(
      partner,
      {
        type: TYPE,
        code,
        reason: `The adapter says ${code}.`,
        body: '{"resourceType":"Bundle","note":"Jordan Reid"}',
      },
      'bulk-replay-test',
    );
  }

  /** Waits until the hub has drained every one of `eventIds` into its table. */
  async function drained(eventIds: readonly string[]): Promise<void> {
    await eventually(
      async () =>
        (
          (await hub.dataSource.query('SELECT count(*)::int AS count FROM hub_dead_letter WHERE event_id = ANY($1)', [
            eventIds,
          ])) as { count: number }[]
        )[0].count,
      (count) => count === eventIds.length,
      15_000,
    );
  }

  const bulk = (query: string, principal: TestPrincipal = PRINCIPALS.operator): request.Test =>
    request(server).post(`/dead-letters/replay?${query}`).set('Authorization', basicAuth(principal));

  it('lists in a dry run, then replays, exactly the dead letters of one partner, code and period', async () => {
    // Before the period: the same partner and code, received earlier.
    const before = await park(CROYDON, 'unknown-crn');
    await drained([before]);
    await pause(20);
    const from = new Date().toISOString();
    const matching = [await park(CROYDON, 'unknown-crn'), await park(CROYDON, 'unknown-crn')];
    const otherCode = await park(CROYDON, 'delius-unavailable');
    const otherPartner = await park(LAMBETH, 'unknown-crn');
    await drained([...matching, otherCode, otherPartner]);
    const filter = `partner=${CROYDON}&code=unknown-crn&from=${encodeURIComponent(from)}`;

    const dry = await bulk(`${filter}&dryRun=true`);
    expect(dry.status).toBe(200);
    const listed = dry.body as BulkAnswer;
    expect(listed).toMatchObject({ dryRun: true, count: 2, more: false, notReplayable: [] });
    expect(listed.deadLetters.map((letter) => letter.eventId)).toEqual(matching);
    for (const letter of listed.deadLetters) {
      expect(Object.keys(letter).sort()).toEqual(
        [
          'ageSeconds',
          'eventId',
          'eventType',
          'failureCode',
          'failureReason',
          'id',
          'partner',
          'queue',
          'receivedAt',
        ].sort(),
      );
      expect(letter).toMatchObject({
        queue: deadLetterQueue(partnerInboxQueue(CROYDON)),
        partner: CROYDON,
        eventType: TYPE,
        failureCode: 'unknown-crn',
        ageSeconds: expect.any(Number),
      });
    }
    expect(JSON.stringify(listed)).not.toContain('Jordan');
    await pause(1_000);
    expect(redelivered).toEqual([]);
    const pending = (await hub.dataSource.query(
      'SELECT count(*)::int AS count FROM hub_dead_letter WHERE replayed_at IS NOT NULL',
    )) as { count: number }[];
    expect(pending[0].count).toBe(0);

    const replay = await bulk(filter);
    expect(replay.status).toBe(202);
    expect(replay.body).toMatchObject({ dryRun: false, count: 2 });
    await eventually(
      async () => [...redelivered],
      (ids) => ids.length >= 2,
      10_000,
    );
    await pause(1_000);
    expect([...redelivered].sort()).toEqual([...matching].sort());
    // Back in Croydon's inbox (no adapter consumes it here): exactly the matching two.
    const inbox = await eventually(
      () => broker.drain(partnerInboxQueue(CROYDON)),
      (messages) => messages.some((message) => message.properties.messageId === matching[0]),
      10_000,
    );
    const ours = inbox
      .map((message) => String(message.properties.messageId))
      .filter((id) => [before, ...matching, otherCode].includes(id));
    expect(ours.sort()).toEqual([...matching].sort());
    expect(
      await hub.dataSource.query(
        'SELECT event_id, replayed_by FROM hub_dead_letter WHERE replayed_at IS NOT NULL ORDER BY id',
      ),
    ).toEqual(matching.map((eventId) => ({ event_id: eventId, replayed_by: PRINCIPALS.operator.id })));

    // Audited: each replayed dead letter, and the filter with the count.
    const records = (await hub.dataSource.query(
      "SELECT event_id, reason FROM audit_record WHERE kind = 'operator-action' AND actor = $1 ORDER BY seq",
      [PRINCIPALS.operator.id],
    )) as { event_id: string | null; reason: string }[];
    expect(records.map((record) => record.event_id)).toEqual([...matching, null]);
    expect(records[0].reason).toMatch(/in a bulk replay$/);
    expect(records[2].reason).toBe(
      `Bulk replay of 2 dead letter(s) matching partner=${CROYDON}, code=unknown-crn, from=${from}`,
    );

    // Once: the same filter again finds nothing left.
    expect((await bulk(filter).expect(202)).body).toMatchObject({ count: 0, deadLetters: [] });
  });

  it('refuses a replay without a filter, an unknown partner, a bad period and other roles, with OperationOutcomes', async () => {
    for (const [query, name] of [
      ['', 'queue'],
      ['dryRun=true', 'queue'],
      ['partner=nobody', 'partner'],
      ['from=yesterday', 'from'],
      ['from=2026-12-02&to=2026-12-01', 'to'],
      ['code=x&dryRun=maybe', 'dryRun'],
      ['code=x&limit=5000', 'limit'],
    ]) {
      const response = await bulk(query);
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(response.body).toMatchObject({
        resourceType: 'OperationOutcome',
        issue: [expect.objectContaining({ severity: 'error', code: 'value', expression: [name] })],
      });
    }
    for (const principal of [PRINCIPALS.auditor, PRINCIPALS.slam]) {
      const response = await bulk('code=unknown-crn&dryRun=true', principal);
      expect(response.status).toBe(403);
      expect((response.body as { resourceType: string }).resourceType).toBe('OperationOutcome');
    }
  });
});
