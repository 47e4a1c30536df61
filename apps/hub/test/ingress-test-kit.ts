/** Events for the ingress tests: fixture Bundles with fresh event ids, as a partner publishes them. */
import { randomUUID } from 'node:crypto';
import { ingressRoutingKey, type EventType } from '@cstr/contracts';
import { buildEventBundle, type EventInput, type EventInputOf } from '@cstr/fhir';
import type { Bundle } from 'fhir/r4';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';

/** An event ready to publish: id, type, routing key and body. */
export interface TestEvent {
  readonly eventId: string;
  readonly type: string;
  readonly routingKey: string;
  readonly correlationId: string;
  readonly body: unknown;
}

/** The fixture input of `type` with a fresh event id, changed by `change` if given. */
export function fixtureInput<T extends EventType>(type: T, change?: (input: EventInputOf<T>) => void): EventInputOf<T> {
  const input = loadEventFixture(type);
  (input.envelope as { eventId: string }).eventId = randomUUID();
  change?.(input);
  return input;
}

/** The event of a fixture input, published by its envelope's sender. */
export function eventOf(input: EventInput): TestEvent & { readonly bundle: Bundle } {
  const bundle = buildEventBundle(input);
  return {
    eventId: input.envelope.eventId,
    type: input.type,
    routingKey: ingressRoutingKey(input.envelope.sender, input.type),
    correlationId: input.envelope.correlationId ?? input.envelope.eventId,
    body: bundle,
    bundle,
  };
}

/** The fixture event of `type` with a fresh id. */
export function fixtureEvent<T extends EventType>(
  type: T,
  change?: (input: EventInputOf<T>) => void,
): TestEvent & { readonly bundle: Bundle } {
  return eventOf(fixtureInput(type, change));
}

/** The consent of the `consent.recorded` fixture (the provider's, naming probation and the GP practice), now withdrawn by the provider. */
export function providerConsentWithdrawn(): TestEvent & { readonly bundle: Bundle } {
  const recorded = loadEventFixture('consent.recorded');
  const input = fixtureInput('consent.withdrawn', (withdrawn) => {
    Object.assign(withdrawn.envelope, {
      sender: recorded.envelope.sender,
      senderOrganization: recorded.envelope.senderOrganization,
    });
    Object.assign(withdrawn, {
      consent: { ...recorded.consent, status: 'inactive', dateTime: '2026-07-01T10:00:00+01:00' },
    });
  });
  return eventOf(input);
}
