import { Injectable } from '@nestjs/common';
import type { EventType } from '@cstr/contracts';
import type { RecipientDecision, Sender } from '@cstr/policy';
import type { Bundle, Patient } from 'fhir/r4';
import type { IngressScope } from './ingress-message';

/** An accepted event as the pipeline saw it, after its deliveries were queued. */
export interface AcceptedEvent {
  readonly eventId: string;
  readonly eventType: EventType;
  /** The sending partner, or the hub for its own events. */
  readonly sender: Sender;
  /** The person index id of the subject (after any merge). */
  readonly personId: string;
  /** The person index created the person for this event: nothing earlier is stored about them. */
  readonly newPerson: boolean;
  /**
   * The event's message Bundle as the sender sent it (validated). The pipeline never changes it
   * (each delivery is a redacted copy), and an observer must not either: the observers after it
   * and the pipeline's later steps (party warnings, audit) read the same object.
   */
  readonly bundle: Bundle;
  readonly patient: Patient;
  /** The person is restricted (PDS label now or earlier): address, telecom and GP never leave the hub. */
  readonly restricted: boolean;
  /** Each candidate recipient's decision. */
  readonly decisions: readonly RecipientDecision[];
  /** The time agreements were judged at. */
  readonly now: Date;
}

/**
 * Every ingress observer, in the order the pipeline calls them: the one place that order is fixed.
 * The pathway first (the event on the person's timeline, the deadlines it meets or starts), then
 * the reporting facts.
 */
export const INGRESS_OBSERVER_ORDER = ['pathway', 'report-facts'] as const;

/** An observer's place in {@link INGRESS_OBSERVER_ORDER}. */
export type IngressObserverName = (typeof INGRESS_OBSERVER_ORDER)[number];

/**
 * Something the hub does with every accepted event in the event's own transaction (pathway
 * deadlines, reporting facts…): it commits with the deliveries or not at all. A redelivered event
 * may reach an observer twice; observers are idempotent by event id. Throwing rolls the event back
 * (it is retried), so an observer throws only for a database failure, never for partner input.
 */
export interface IngressObserver {
  /** Where it runs: its place in {@link INGRESS_OBSERVER_ORDER}. */
  readonly observerName: IngressObserverName;
  onAccepted(scope: IngressScope, event: AcceptedEvent): Promise<void>;
}

/**
 * The observers the pipeline calls, in {@link INGRESS_OBSERVER_ORDER} whatever order Nest constructs
 * them in. A module that observes imports `IngressModule` and registers its observer when it is
 * constructed (`registry.register(this)`).
 */
@Injectable()
export class IngressObservers {
  private readonly observers: IngressObserver[] = [];

  register(observer: IngressObserver): void {
    if (this.observers.some((each) => each.observerName === observer.observerName))
      throw new Error(`Two ingress observers take the place ${observer.observerName}.`);
    this.observers.push(observer);
    this.observers.sort((a, b) => placeOf(a) - placeOf(b));
  }

  async accepted(scope: IngressScope, event: AcceptedEvent): Promise<void> {
    for (const observer of this.observers) await observer.onAccepted(scope, event);
  }
}

function placeOf(observer: IngressObserver): number {
  return INGRESS_OBSERVER_ORDER.indexOf(observer.observerName);
}
