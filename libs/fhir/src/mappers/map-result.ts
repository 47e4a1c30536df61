/**
 * What every partner mapper returns, and the context it maps in. Mappers are pure: the clock and
 * the id generator come in through {@link MappingContext}, so the same payload and context give
 * the same events.
 */
import { operationOutcome, operationOutcomeOf, type OperationOutcome } from '@cstr/contracts';
import type { EventEnvelopeInput, EventInput, OrganizationInput } from '../events/event-inputs';
import type { PayloadIssues } from './payload-reader';

/** What the adapter knows about the message it is mapping, outside the payload itself. */
export interface MappingContext {
  /** The sending partner's id (`[a-z0-9-]+`), as configured in `config/partners.yaml`. */
  readonly senderPartnerId: string;
  /** The sending organisation (name and ODS or court code), from the same configuration. */
  readonly senderOrganization: OrganizationInput;
  /** When the adapter received the payload (ISO 8601); the `occurredAt` of events whose payload carries no time. */
  readonly receivedAt: string;
  /** A new event id (UUID) per call; tests pass a deterministic generator. */
  readonly newId: () => string;
}

/** The payload mapped to one or more events of the catalogue. */
export interface MappedEvents {
  readonly kind: 'events';
  readonly events: EventInput[];
  /** Warnings worth telling the sender (e.g. an unrecognised requirement wording); never errors. */
  readonly warnings?: OperationOutcome;
}

/**
 * A well-formed payload that carries nothing for the pathway (an HMPPS event type the hub does
 * not follow, a provider resource in a status that means nothing to partners). Safe to
 * acknowledge and drop; not an error.
 */
export interface IgnoredPayload {
  readonly kind: 'ignored';
  readonly reason: string;
}

/** A malformed payload: one issue per problem, each naming its path in the native payload. */
export interface InvalidPayload {
  readonly kind: 'invalid';
  readonly outcome: OperationOutcome;
}

/** The result of every mapper. Mappers never throw on bad input; they return `invalid`. */
export type MapResult = MappedEvents | IgnoredPayload | InvalidPayload;

/** The `events` result, with any warnings collected while reading. */
export function mappedEvents(events: EventInput[], issues?: PayloadIssues): MappedEvents {
  const warnings = issues?.list.filter((issue) => issue.severity === 'warning') ?? [];
  return warnings.length > 0
    ? { kind: 'events', events, warnings: operationOutcomeOf(warnings) }
    : { kind: 'events', events };
}

/** The `ignored` result. */
export function ignoredPayload(reason: string): IgnoredPayload {
  return { kind: 'ignored', reason };
}

/** The `invalid` result carrying every issue found (errors and warnings). */
export function invalidPayload(issues: PayloadIssues): InvalidPayload {
  return { kind: 'invalid', outcome: operationOutcomeOf(issues.list) };
}

/** The envelope of a new event sent by the context's partner. */
export function envelopeFor(context: MappingContext, occurredAt: string, correlationId?: string): EventEnvelopeInput {
  return {
    eventId: context.newId(),
    occurredAt,
    sender: context.senderPartnerId,
    senderOrganization: context.senderOrganization,
    ...(correlationId ? { correlationId } : {}),
  };
}

/**
 * Runs a mapping function and turns anything it throws into an `invalid` result. The readers
 * are written not to throw; this is the guarantee the adapters rely on if one ever does.
 */
export function neverThrows(map: () => MapResult): MapResult {
  try {
    return map();
  } catch (error) {
    const message = error instanceof Error ? error.message : 'unknown error';
    return {
      kind: 'invalid',
      outcome: operationOutcome('fatal', 'exception', `The payload could not be mapped: ${message}`),
    };
  }
}
