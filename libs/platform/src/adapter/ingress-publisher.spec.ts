import type { EntityManager } from 'typeorm';
import { AmqpHeaders, INGRESS_EXCHANGE, type EventType } from '@cstr/contracts';
import type { EventInputOf } from '@cstr/fhir';
import type { OutgoingMessage } from '@cstr/messaging';
import { RecordingOutbox } from '@cstr/testing';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';
import { IngressPublisher, orderingPartitionKey, type IngressPublishResult } from './ingress-publisher';

/** The fixture input re-sent as `partnerId`. */
function fixtureFrom<T extends EventType>(type: T, partnerId: string): EventInputOf<T> {
  const input = loadEventFixture(type);
  return { ...input, envelope: { ...input.envelope, sender: partnerId, destination: undefined } };
}

/** An outbox that records what it was given (the rows would go through `manager`). */
function recordingOutbox(): { outbox: RecordingOutbox; added: OutgoingMessage[]; manager: EntityManager } {
  const outbox = new RecordingOutbox();
  return { outbox, added: outbox.queued, manager: {} as EntityManager };
}

/** The refusals of a publish that must have been refused. */
function rejectedOf(result: IngressPublishResult) {
  if (result.ok) throw new Error(`expected a refusal, ${result.queued} event(s) were queued`);
  return result.rejected;
}

describe('IngressPublisher', () => {
  const partnerId = 'hmcts-croydon';

  it('queues a valid event to the ingress exchange with its id, type, routing key and Bundle', async () => {
    const { outbox, added, manager } = recordingOutbox();
    const publisher = new IngressPublisher({ PARTNER_ID: partnerId }, outbox);
    const input = fixtureFrom('court.hearing.listed', partnerId);

    expect(await publisher.publish(manager, [{ input, options: { orderingKey: 'hearing-1' } }])).toEqual({
      ok: true,
      queued: 1,
    });

    expect(added).toHaveLength(1);
    const [message] = added;
    expect(message.exchange).toBe(INGRESS_EXCHANGE);
    expect(message.routingKey).toBe(`${partnerId}.court.hearing.listed`);
    expect(message.eventId).toBe(input.envelope.eventId);
    expect(message.type).toBe('court.hearing.listed');
    expect(message.contentType).toBe('application/fhir+json');
    const bundle = JSON.parse(message.body.toString('utf8')) as {
      type: string;
      entry: { resource: { resourceType: string } }[];
    };
    expect(bundle.type).toBe('message');
    expect(bundle.entry[0].resource.resourceType).toBe('MessageHeader');
    expect(message.headers?.[AmqpHeaders.partitionKey]).toBe(orderingPartitionKey(partnerId, 'hearing-1'));
  });

  it('refuses an event sent as another partner, queuing nothing', async () => {
    const { outbox, added, manager } = recordingOutbox();
    const publisher = new IngressPublisher({ PARTNER_ID: partnerId }, outbox);

    const result = await publisher.publish(manager, [{ input: fixtureFrom('court.hearing.listed', 'someone-else') }]);

    expect(rejectedOf(result)[0].outcome.issue[0]).toMatchObject({
      severity: 'error',
      code: 'forbidden',
      expression: ['envelope.sender'],
    });
    expect(added).toHaveLength(0);
  });

  it('returns the OperationOutcome of input that cannot be built, never throwing', async () => {
    const { outbox, added, manager } = recordingOutbox();
    const publisher = new IngressPublisher({ PARTNER_ID: partnerId }, outbox);
    const input = fixtureFrom('court.hearing.listed', partnerId);

    const result = await publisher.publish(manager, [
      { input: { ...input, envelope: { ...input.envelope, eventId: 'not-a-uuid' } } },
    ]);

    expect(rejectedOf(result)[0].outcome.issue).toEqual(
      expect.arrayContaining([expect.objectContaining({ severity: 'error', expression: ['envelope.eventId'] })]),
    );
    expect(added).toHaveLength(0);
  });

  it('returns the validation OperationOutcome of a Bundle that breaks UK Core', async () => {
    const { outbox, added, manager } = recordingOutbox();
    const publisher = new IngressPublisher({ PARTNER_ID: partnerId }, outbox);
    const input = fixtureFrom('court.hearing.listed', partnerId);
    // The builder copies the gender as given; the validator holds it to its required ValueSet.
    const broken = { ...input, person: { ...input.person, gender: 'robot' as never } };

    const result = await publisher.publish(manager, [{ input: broken }]);

    expect(rejectedOf(result)[0].outcome.issue).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ severity: 'error', expression: ['Bundle.entry[1].resource.gender'] }),
      ]),
    );
    expect(added).toHaveLength(0);
  });

  it('queues a batch in one outbox call', async () => {
    const { outbox, added, manager } = recordingOutbox();
    const publisher = new IngressPublisher({ PARTNER_ID: partnerId }, outbox);
    const good = fixtureFrom('court.hearing.listed', partnerId);
    const second = { ...good, envelope: { ...good.envelope, eventId: '6f1c1d52-5f1b-4a57-9a55-1d2f0b5d7c01' } };

    expect(await publisher.publish(manager, [{ input: good }, { input: second }])).toEqual({ ok: true, queued: 2 });

    expect(outbox.calls).toHaveLength(1);
    expect(added.map((message) => message.eventId)).toEqual([good.envelope.eventId, second.envelope.eventId]);
  });

  it('queues none of a batch when one event is refused, naming the refused ones by index', async () => {
    const { outbox, added, manager } = recordingOutbox();
    const publisher = new IngressPublisher({ PARTNER_ID: partnerId }, outbox);
    const good = fixtureFrom('court.hearing.listed', partnerId);

    const result = await publisher.publish(manager, [
      { input: good },
      { input: fixtureFrom('court.hearing.listed', 'other') },
      { input: good },
    ]);

    expect(rejectedOf(result).map((each) => each.index)).toEqual([1]);
    expect(outbox.calls).toHaveLength(0);
    expect(added).toHaveLength(0);
  });

  it('derives partition keys that hide the key and separate partners', () => {
    const key = orderingPartitionKey(partnerId, 'hearing-1');
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(key).not.toContain('hearing');
    expect(orderingPartitionKey(partnerId, 'hearing-1')).toBe(key);
    expect(orderingPartitionKey(partnerId, 'hearing-2')).not.toBe(key);
    expect(orderingPartitionKey('hmcts-other', 'hearing-1')).not.toBe(key);
  });
});
