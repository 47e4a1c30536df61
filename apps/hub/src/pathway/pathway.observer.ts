import { Inject, Injectable } from '@nestjs/common';
import type { GenderInput } from '@cstr/fhir';
import type { Patient } from 'fhir/r4';
import { HubPolicy } from '../core/hub-policy';
import type { IngressScope } from '../ingress/ingress-message';
import { IngressObservers, type AcceptedEvent, type IngressObserver } from '../ingress/ingress-observer';
import { PATHWAY_CONFIG, type PathwayConfig } from './pathway.config';
import { PathwayRepository, type PathwaySubject } from './pathway.repository';
import { hearingOf, pathwayChanges } from './pathway.rules';

/**
 * Applies every accepted event to the person's pathway, in the event's transaction: records it
 * (the timeline), closes the deadlines it meets, cancels those of a requirement it ends, opens the
 * deadlines it starts (SPEC §8), and queues a `pathway.candidate.identified` when a listing
 * matches an earlier L&D screening.
 * Idempotent by event id: a redelivered event finds itself recorded and changes nothing.
 */
@Injectable()
export class PathwayObserver implements IngressObserver {
  readonly observerName = 'pathway';
  private readonly repository = new PathwayRepository();

  constructor(
    @Inject(IngressObservers) observers: IngressObservers,
    @Inject(PATHWAY_CONFIG) private readonly config: PathwayConfig,
    @Inject(HubPolicy) private readonly policy: HubPolicy,
  ) {
    observers.register(this);
  }

  async onAccepted(scope: IngressScope, event: AcceptedEvent): Promise<void> {
    const { manager } = scope;
    // Only a sentence needs what earlier events said (a GP check): other events, and the first
    // event about a person, cost no read.
    const known =
      event.eventType === 'court.sentence.imposed' && !event.newPerson
        ? await this.repository.knownFacts(manager, event.personId)
        : {};
    const changes = pathwayChanges(
      {
        eventId: event.eventId,
        eventType: event.eventType,
        senderId: event.sender.id,
        bundle: event.bundle,
        partners: this.policy.partners,
        receivedAt: event.now,
      },
      this.config,
      known,
    );
    const occurredAt =
      typeof event.bundle.timestamp === 'string' && !Number.isNaN(Date.parse(event.bundle.timestamp))
        ? new Date(event.bundle.timestamp)
        : undefined;
    const first = await this.repository.recordEvent(manager, {
      eventId: event.eventId,
      personId: event.personId,
      eventType: event.eventType,
      sender: event.sender.id,
      occurredAt,
      receivedAt: event.now,
      facts: changes.facts,
    });
    if (!first) return;
    // Closings first: a booking again of an appointment replaces its outcome deadline, then opens the new one.
    for (const closing of changes.close)
      await this.repository.close(manager, event.personId, closing, event.eventId, event.now);
    for (const cancelling of changes.cancel ?? [])
      await this.repository.cancel(manager, event.personId, cancelling, event.eventId, event.now);
    const subject = subjectOf(event.patient, event.restricted);
    for (const opening of changes.open)
      await this.repository.open(manager, event.personId, opening, event.eventId, event.now, subject);

    if (event.eventType === 'court.hearing.listed' && !event.newPerson) {
      const screening = await this.repository.latestScreeningWithNeeds(manager, event.personId);
      const hearing = hearingOf(event.bundle);
      if (screening && hearing) {
        await this.repository.queueCandidate(
          manager,
          event.eventId,
          event.personId,
          { hearing, screeningEventId: screening.eventId, screenedOn: screening.screenedOn, needs: screening.needs },
          subject,
          event.now,
        );
      }
    }
  }
}

const GENDERS: readonly string[] = ['male', 'female', 'other', 'unknown'];

/** What a hub event needs of the person besides identifiers (taken from the latest Patient seen). */
/** The pathway's subject: name, birth date, gender, and whether the person is restricted (the hub remembers it). */
export function subjectOf(patient: Patient, restricted: boolean): PathwaySubject {
  const name = patient.name?.[0];
  return {
    name: {
      family: typeof name?.family === 'string' ? name.family : '',
      given: (name?.given ?? []).filter((given) => typeof given === 'string'),
    },
    birthDate: typeof patient.birthDate === 'string' ? patient.birthDate : '',
    gender: (GENDERS.includes(patient.gender ?? '') ? patient.gender : 'unknown') as GenderInput,
    ...(restricted ? { restricted: true } : {}),
  };
}
