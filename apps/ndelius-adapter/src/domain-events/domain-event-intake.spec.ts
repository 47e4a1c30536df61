import 'reflect-metadata';
import { IngressPublisher } from '@cstr/platform';
import { RecordingOutbox, transactionStub } from '@cstr/testing';
import { partnerFixture } from '@cstr/fixtures/fhir/partner/partner-fixtures';
import type { DeliusApiClient, DeliusReadResult } from '../delius/delius-api.client';
import { DetailUrlAllowList } from '../delius/detail-url-allow-list';
import { DomainEventIntake, mappingContextFor, readSnsMessage } from './domain-event-intake';

const PREFIX = 'http://127.0.0.1:3200/sandbox/delius/nps-london-croydon/detail/';
const partner = { partnerId: 'nps-london-croydon', name: 'Probation Service London – Croydon PDU', ods: 'N07CY' };

function notification(event: unknown): unknown {
  return { Type: 'Notification', MessageId: 'm-1', Message: JSON.stringify(event), Timestamp: '2026-12-16T14:32:11Z' };
}

/** The fixture event, its detailUrl moved under the allow-listed prefix as the sandbox does. */
function roshEvent(detailUrl = `${PREFIX}registrations/X412563/2500123456`): Record<string, unknown> {
  return {
    ...(partnerFixture('hmpps', 'registration-added-rosh-high.event.json') as Record<string, unknown>),
    detailUrl,
  };
}

function intakeWith(detail: DeliusReadResult, publishingAs = partner.partnerId) {
  const delius = { getJson: jest.fn().mockResolvedValue(detail) } as unknown as DeliusApiClient & {
    getJson: jest.Mock;
  };
  const outbox = new RecordingOutbox();
  const { dataSource, transactions } = transactionStub();
  const intake = new DomainEventIntake(
    delius,
    new DetailUrlAllowList([PREFIX]),
    () => mappingContextFor(partner),
    dataSource,
    new IngressPublisher({ PARTNER_ID: publishingAs }, outbox),
  );
  // One outbox call per notification published (in its own transaction).
  return { intake, delius, published: outbox.calls, transactions };
}

describe('DomainEventIntake', () => {
  const detail: DeliusReadResult = {
    kind: 'found',
    body: partnerFixture('hmpps', 'registration-added-rosh-high.detail.json'),
  };

  it('fetches the allow-listed detail and publishes risk.changed for a RoSH registration', async () => {
    const { intake, delius, published } = intakeWith(detail);
    const answer = await intake.receive(notification(roshEvent()));
    expect(answer).toEqual({ status: 202, body: { outcome: 'published', events: 1 } });
    expect(delius.getJson).toHaveBeenCalledWith(`${PREFIX}registrations/X412563/2500123456`);
    expect(published).toHaveLength(1);
    expect(published[0].map((message) => [message.type, message.routingKey])).toEqual([
      ['risk.changed', 'nps-london-croydon.risk.changed'],
    ]);
  });

  it('gives two deliveries of one notification (same MessageId) the same event id, and another notification another', async () => {
    const { intake, published } = intakeWith(detail);
    await intake.receive(notification(roshEvent()));
    await intake.receive(notification(roshEvent()));
    await intake.receive({ ...(notification(roshEvent()) as object), MessageId: 'm-2' });
    const ids = published.map((messages) => messages[0].eventId);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ids[1]).toBe(ids[0]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('answers 422 with the OperationOutcome of an event that cannot be published, queuing nothing', async () => {
    const { intake, published, transactions } = intakeWith(detail, 'nps-london-lambeth');
    const answer = await intake.receive(notification(roshEvent()));
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'forbidden', expression: ['envelope.sender'] }],
    });
    expect(transactions()).toBe(1);
    expect(published).toEqual([]);
  });

  it('refuses a detailUrl outside the allow-list and never fetches it', async () => {
    const { intake, delius, published } = intakeWith(detail);
    const answer = await intake.receive(
      notification(roshEvent('https://elsewhere.example/registrations/X412563/2500123456')),
    );
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'security', expression: ['Message.detailUrl'] }],
    });
    expect(delius.getJson).not.toHaveBeenCalled();
    expect(published).toHaveLength(0);
  });

  it('acknowledges an event type the hub does not follow without fetching anything', async () => {
    const { intake, delius } = intakeWith(detail);
    const answer = await intake.receive(notification(partnerFixture('hmpps', 'address-created-ignorable.event.json')));
    expect(answer).toMatchObject({ status: 200, body: { outcome: 'ignored' } });
    expect(delius.getJson).not.toHaveBeenCalled();
  });

  it('answers 502 when Delius cannot give the detail, so the sender redelivers', async () => {
    const { intake, published } = intakeWith({ kind: 'unavailable', reason: 'Delius answered 503.' });
    await expect(intake.receive(notification(roshEvent()))).resolves.toMatchObject({ status: 502 });
    expect(published).toHaveLength(0);
  });

  it('reports a detail the mapper cannot read as a 422 OperationOutcome with paths', async () => {
    const { intake } = intakeWith({ kind: 'found', body: { person: { crn: 'not a crn' } } });
    const answer = await intake.receive(notification(roshEvent()));
    expect(answer.status).toBe(422);
    expect(JSON.stringify(answer.body)).toContain('detail.');
  });

  it.each([
    undefined,
    'text',
    { Type: 'SubscriptionConfirmation' },
    { Type: 'Notification', Message: '{not json' },
    { Type: 'Notification' },
  ])('answers 400 to a body that is not an SNS notification (%p)', async (body) => {
    const { intake } = intakeWith(detail);
    await expect(intake.receive(body)).resolves.toMatchObject({
      status: 400,
      body: { resourceType: 'OperationOutcome' },
    });
  });
});

describe('readSnsMessage', () => {
  it('parses the domain event out of Message', () => {
    expect(readSnsMessage(notification({ eventType: 'x' }))).toEqual({
      event: { eventType: 'x' },
      identity: 'message-id m-1',
    });
  });

  it('identifies a notification without a MessageId by its Message', () => {
    const text = JSON.stringify({ eventType: 'x' });
    const first = readSnsMessage({ Type: 'Notification', Message: text });
    expect(first).toEqual(readSnsMessage({ Type: 'Notification', Message: text }));
    expect(first).not.toEqual(readSnsMessage({ Type: 'Notification', Message: JSON.stringify({ eventType: 'y' }) }));
  });
});
