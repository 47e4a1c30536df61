import { Inject, Injectable } from '@nestjs/common';
import { IngressObservers, type AcceptedEvent, type IngressObserver } from '../ingress/ingress-observer';
import type { IngressScope } from '../ingress/ingress-message';
import { ReportFactStore } from './report-fact.store';
import { reportFactOf } from './report-facts';

/**
 * Keeps the reporting fact of every accepted event the minimum dataset uses, in the event's own
 * transaction. An event that carries no requirement type (an attendance, a consent) is counted
 * under the person's requirement types as last known.
 */
@Injectable()
export class ReportFactsObserver implements IngressObserver {
  readonly observerName = 'report-facts';
  constructor(
    @Inject(IngressObservers) observers: IngressObservers,
    @Inject(ReportFactStore) private readonly store: ReportFactStore,
  ) {
    observers.register(this);
  }

  async onAccepted(scope: IngressScope, event: AcceptedEvent): Promise<void> {
    const fact = reportFactOf(event);
    if (!fact) return;
    const carried = fact.requirementTypes.length > 0;
    const requirementTypes = carried
      ? fact.requirementTypes
      : await this.store.knownRequirementTypes(scope.manager, fact.personId);
    await this.store.insert(scope.manager, { ...fact, requirementTypes }, carried);
  }
}
