import { readFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { AmqpHeaders } from '@cstr/contracts';
import { Outbox } from '@cstr/messaging';
import { IngressPublisher, orderingPartitionKey } from '@cstr/platform';
import { partnerFixturePath, type PartnerFixtureFolder } from '@cstr/fixtures/fhir/partner/partner-files';
import { payloadSha256 } from '../archive/raw-payload.archive';
import type { HmctsPartnerSettings } from '../hmcts-partner-settings';
import { ListingIntakeService, type ListingPayloadKind } from './listing-intake.service';

const fixtureBytes = (folder: PartnerFixtureFolder, name: string) =>
  readFileSync(partnerFixturePath(folder, `${name}.json`));

const CROYDON: HmctsPartnerSettings = {
  partnerId: 'croydon-mc',
  name: "Croydon Magistrates' Court",
  courtCode: 'B01CY00',
};

interface Query {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

/**
 * A data source whose transactions record every statement in order (the SQL itself is exercised
 * by the e2e suite against PostgreSQL). The archive insert answers with id 41.
 */
function recordingDataSource(): { dataSource: DataSource; queries: Query[] } {
  const queries: Query[] = [];
  const manager = {
    query: async (sql: string, parameters: unknown[] = []) => {
      queries.push({ sql, parameters });
      return sql.includes('INSERT INTO hmcts_raw_payload') ? [{ id: '41' }] : [];
    },
  } as unknown as EntityManager;
  const dataSource = {
    transaction: async <T>(work: (m: EntityManager) => Promise<T>) => work(manager),
  } as unknown as DataSource;
  return { dataSource, queries };
}

function intake(settings = CROYDON) {
  const { dataSource, queries } = recordingDataSource();
  const outbox = new Outbox();
  const service = new ListingIntakeService(
    dataSource,
    new IngressPublisher({ PARTNER_ID: settings.partnerId }, outbox),
    settings,
  );
  const receive = (kind: ListingPayloadKind, body: Buffer, hearingId?: string) =>
    service.receive({
      kind,
      hearingId,
      body,
      method: kind === 'deletion' ? 'DELETE' : 'POST',
      route: `/${kind}`,
      receivedAt: new Date('2026-11-30T18:00:00Z'),
    });
  const outboxRows = () => queries.filter((query) => query.sql.includes('INSERT INTO messaging_outbox'));
  /** Outbox insert parameters are 9 per row: event id, type, exchange, routing key, correlation, trace, headers, content type, body. */
  const outboxMessages = () =>
    outboxRows().flatMap((query) => {
      const rows: { eventId: string; type: string; routingKey: string; headers: Record<string, string> }[] = [];
      for (let at = 0; at < query.parameters.length; at += 9) {
        rows.push({
          eventId: query.parameters[at] as string,
          type: query.parameters[at + 1] as string,
          routingKey: query.parameters[at + 3] as string,
          headers: JSON.parse(query.parameters[at + 6] as string) as Record<string, string>,
        });
      }
      return rows;
    });
  const settled = () => queries.find((query) => query.sql.startsWith('UPDATE hmcts_raw_payload'))?.parameters;
  return { receive, queries, outboxMessages, settled };
}

describe('ListingIntakeService', () => {
  const hearingId = '3f2b7c1e-9d4a-4b8e-a6c5-2e1f0d9c8b7a';

  it('archives a Common Platform hearing first, then queues court.hearing.listed per person defendant, ordered by hearing', async () => {
    const { receive, queries, outboxMessages, settled } = intake();
    const body = fixtureBytes('common-platform', 'hearing-listed-multi-defendant');

    const result = await receive('hearing', body, hearingId);

    expect(result).toMatchObject({ httpStatus: 202, archiveStatus: 'published', archiveId: '41' });
    expect(queries[0].sql).toContain('INSERT INTO hmcts_raw_payload');
    expect(queries[0].parameters).toEqual(
      expect.arrayContaining([body.length, payloadSha256(body), body, 'POST', '/hearing']),
    );
    const messages = outboxMessages();
    expect(messages.length).toBeGreaterThanOrEqual(1);
    expect(result.eventCount).toBe(messages.length);
    for (const message of messages) {
      expect(message).toMatchObject({ type: 'court.hearing.listed', routingKey: 'croydon-mc.court.hearing.listed' });
      expect(message.headers[AmqpHeaders.partitionKey]).toBe(orderingPartitionKey('croydon-mc', hearingId));
    }
    expect(settled()).toEqual(['41', 'published', messages.length, expect.any(String)]);
  });

  it('maps a result with a community order to court.hearing.resulted and court.sentence.imposed', async () => {
    const { receive, outboxMessages } = intake();
    const result = await receive(
      'result',
      fixtureBytes('common-platform', 'hearing-resulted-community-order-mhtr-atr'),
      '8c7d6e5f-4a3b-4c2d-9e1f-0a9b8c7d6e5f',
    );

    expect(result.httpStatus).toBe(202);
    expect(outboxMessages().map((message) => message.type)).toEqual([
      'court.hearing.resulted',
      'court.sentence.imposed',
    ]);
  });

  it('gives the same event ids when the same payload is pushed again, so the hub applies it once', async () => {
    const first = intake();
    const second = intake();
    const body = fixtureBytes('common-platform', 'hearing-listed-multi-defendant');
    await first.receive('hearing', body, hearingId);
    await second.receive('hearing', body, hearingId);
    expect(second.outboxMessages().map((message) => message.eventId)).toEqual(
      first.outboxMessages().map((message) => message.eventId),
    );
  });

  it('keeps an unparseable payload in the archive and answers 400, queuing nothing', async () => {
    const { receive, queries, outboxMessages, settled } = intake();
    const result = await receive('hearing', Buffer.from('{"hearing": {"id": '), hearingId);

    expect(result.httpStatus).toBe(400);
    expect(result.outcome.issue[0]).toMatchObject({ severity: 'error', code: 'structure', expression: ['$'] });
    expect(queries[0].sql).toContain('INSERT INTO hmcts_raw_payload');
    expect(settled()?.[1]).toBe('unparseable');
    expect(outboxMessages()).toHaveLength(0);
  });

  it('answers 422 with the payload paths of what the mapper refused, and records it invalid', async () => {
    const { receive, outboxMessages, settled } = intake();
    const hearing = JSON.parse(fixtureBytes('common-platform', 'hearing-listed-multi-defendant').toString('utf8')) as {
      hearing: { hearingDays: unknown };
    };
    hearing.hearing.hearingDays = 'tomorrow';

    const result = await receive('hearing', Buffer.from(JSON.stringify(hearing)), hearingId);

    expect(result.httpStatus).toBe(422);
    expect(
      result.outcome.issue.some(
        (issue) =>
          issue.severity === 'error' && issue.expression?.some((path) => path.startsWith('hearing.hearingDays')),
      ),
    ).toBe(true);
    expect(settled()?.[1]).toBe('invalid');
    expect(outboxMessages()).toHaveLength(0);
  });

  it('refuses a hearing whose id differs from the URL', async () => {
    const { receive, outboxMessages } = intake();
    const result = await receive(
      'hearing',
      fixtureBytes('common-platform', 'hearing-listed-multi-defendant'),
      'another-hearing',
    );
    expect(result.httpStatus).toBe(422);
    expect(result.outcome.issue[0].expression).toEqual(['hearing.id']);
    expect(outboxMessages()).toHaveLength(0);
  });

  it("refuses (403) hearings at a court other than the partner's, archiving them as refused", async () => {
    const { receive, outboxMessages, settled } = intake();
    const result = await receive(
      'result',
      fixtureBytes('common-platform', 'hearing-resulted-suspended-sentence-drr'),
      'd1e2f3a4-b5c6-4d7e-8f9a-0b1c2d3e4f5a',
    );

    expect(result.httpStatus).toBe(403);
    expect(result.outcome.issue[0]).toMatchObject({ code: 'forbidden', expression: ['hearing.courtCentre.code'] });
    expect(settled()?.[1]).toBe('refused');
    expect(outboxMessages()).toHaveLength(0);
  });

  it("takes a review hearing and its result at the partner's court: court.review.listed, then court.review.resulted", async () => {
    const { receive, outboxMessages } = intake();
    const id = 'c2d4f6a8-1b3d-4e5f-8a7b-9c0d1e2f3a4b';
    expect(
      (await receive('hearing', fixtureBytes('common-platform', 'hearing-listed-drr-review'), id)).httpStatus,
    ).toBe(202);
    expect(
      (await receive('result', fixtureBytes('common-platform', 'hearing-resulted-drr-review'), id)).httpStatus,
    ).toBe(202);
    expect(outboxMessages().map((message) => message.type)).toEqual(['court.review.listed', 'court.review.resulted']);
  });

  it('maps a Libra daily list to one court.hearing.listed per case, each ordered by its own hearing', async () => {
    const { receive, outboxMessages } = intake();
    const result = await receive('daily-list', fixtureBytes('libra', 'daily-list-croydon'));

    expect(result.httpStatus).toBe(202);
    const messages = outboxMessages();
    expect(messages).toHaveLength(3);
    expect(new Set(messages.map((message) => message.headers[AmqpHeaders.partitionKey])).size).toBe(3);
  });

  it('archives a hearing deletion and sends nothing (the catalogue has no such event)', async () => {
    const { receive, queries, outboxMessages, settled } = intake();
    const result = await receive('deletion', Buffer.alloc(0), hearingId);
    expect(result).toMatchObject({ httpStatus: 202, archiveStatus: 'recorded' });
    expect(queries[0].sql).toContain('INSERT INTO hmcts_raw_payload');
    expect(settled()?.[1]).toBe('recorded');
    expect(outboxMessages()).toHaveLength(0);
  });

  it('still archives the payload and answers 503 when the transaction fails', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { dataSource, queries } = recordingDataSource();
    let calls = 0;
    const failingOnce = {
      transaction: async <T>(work: (m: EntityManager) => Promise<T>) => {
        calls += 1;
        if (calls === 1) throw new Error('connection lost');
        return dataSource.transaction(work);
      },
    } as unknown as DataSource;
    const service = new ListingIntakeService(
      failingOnce,
      new IngressPublisher({ PARTNER_ID: 'croydon-mc' }, new Outbox()),
      CROYDON,
    );

    const result = await service.receive({
      kind: 'hearing',
      hearingId,
      body: Buffer.from('{}'),
      method: 'POST',
      route: '/hearing',
      receivedAt: new Date(),
    });

    expect(result).toMatchObject({ httpStatus: 503, archiveId: '41', archiveStatus: 'received' });
    expect(queries.map((query) => query.sql.trim().split(/\s+/).slice(0, 3).join(' '))).toEqual([
      'INSERT INTO hmcts_raw_payload',
    ]);
    expect(logged).toHaveBeenCalledWith(expect.stringContaining('connection lost'));
    logged.mockRestore();
  });
});
