import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditLog } from '@cstr/audit';
import {
  endOfLondonDay,
  HUB_PARTNER_ID,
  ingressRoutingKey,
  safeErrorText,
  type DeadlineKindCode,
  type WorkingDayCalendar,
} from '@cstr/contracts';
import {
  tryBuildEventBundle,
  type EventInput,
  type OrganizationInput,
  type PersonIdentifiersInput,
  type PathwayCandidateIdentifiedInput,
} from '@cstr/fhir';
import {
  COMMON_PLATFORM_DEFENDANT_ID_SYSTEM,
  CRN_SYSTEM,
  CRO_NUMBER_SYSTEM,
  NHS_NUMBER_SYSTEM,
  PersonIndex,
  PNC_ID_SYSTEM,
} from '@cstr/identity';
import { Outbox } from '@cstr/messaging';
import { APP_CONFIG, PeriodicTask } from '@cstr/platform';
import { HubPolicy } from '../core/hub-policy';
import type { HubConfig } from '../hub.config';
import type { IngressScope } from '../ingress/ingress-message';
import { IngressPipeline } from '../ingress/ingress.pipeline';
import { PATHWAY_CONFIG, type PathwayConfig } from './pathway.config';
import { PathwayRepository, type ClaimedCandidate, type PathwaySubject } from './pathway.repository';

/** What one run of the scheduler sent. */
export interface SchedulerRun {
  readonly missed: number;
  readonly candidates: number;
}

const YEAR_MS = 365 * 86_400_000;

/** The warning the hub logs at boot when the bank holiday calendar ends within a year of `now`; undefined otherwise. */
export function calendarWarning(calendar: WorkingDayCalendar, now: Date): string | undefined {
  const end = endOfLondonDay(`${calendar.lastYear}-12-31`);
  if (end.getTime() - now.getTime() >= YEAR_MS) return undefined;
  return `The ${calendar.name} bank holiday calendar ends on ${calendar.lastYear}-12-31: deadlines after it skip weekends only. Add the next years' bank holidays (libs/contracts/src/working-days).`;
}

/**
 * Sends the hub's own pathway events. Every `PATHWAY_SCHEDULER_INTERVAL_MS` it claims, one per
 * transaction and with `FOR UPDATE SKIP LOCKED` (so several hub instances share the work), each
 * open deadline that is due and each queued candidate notice, builds the event's Bundle and hands
 * it to the ingress pipeline in-process as the hub (`cstr-hub`): the same agreements, redaction,
 * audit and outbox as any partner's event. Marking the deadline missed and queueing the
 * deliveries commit together, so a deadline is reported exactly once, also across restarts.
 */
@Injectable()
export class PathwayScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PathwayScheduler.name);
  private readonly repository = new PathwayRepository();
  private readonly task: PeriodicTask;
  private running: Promise<SchedulerRun> | undefined;
  private stopped = false;

  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Outbox) private readonly outbox: Outbox,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(IngressPipeline) private readonly pipeline: IngressPipeline,
    @Inject(PersonIndex) private readonly persons: PersonIndex,
    @Inject(HubPolicy) private readonly policy: HubPolicy,
    @Inject(APP_CONFIG) private readonly config: HubConfig,
    @Inject(PATHWAY_CONFIG) private readonly pathway: PathwayConfig,
  ) {
    this.task = new PeriodicTask(() => this.scheduledRun(), config.PATHWAY_SCHEDULER_INTERVAL_MS);
  }

  onApplicationBootstrap(): void {
    const warning = calendarWarning(this.pathway.calendar, new Date());
    if (warning) this.logger.warn(warning);
    if (this.config.PATHWAY_SCHEDULER_INTERVAL_MS > 0) this.task.start(this.config.PATHWAY_SCHEDULER_INTERVAL_MS);
  }

  /** Stops the timer and lets a run in progress finish, before the database and broker close. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.task.stop();
    await this.running?.catch(() => undefined);
  }

  /**
   * Sends what is due at `now` (default: the clock), up to `PATHWAY_SCHEDULER_BATCH` of each
   * kind. Tests pass a later `now` instead of waiting days.
   */
  async runOnce(now: Date = new Date()): Promise<SchedulerRun> {
    while (this.running) await this.running.catch(() => undefined);
    const run = this.sendDue(now);
    this.running = run;
    try {
      return await run;
    } finally {
      this.running = undefined;
    }
  }

  /** A run of the timer: a failure is logged and the next run tries again. */
  private async scheduledRun(): Promise<void> {
    await this.runOnce().catch((error: unknown) =>
      this.logger.error(
        `Pathway scheduler run failed; next run in ${this.config.PATHWAY_SCHEDULER_INTERVAL_MS} ms: ${safeErrorText(error)}`,
      ),
    );
  }

  private async sendDue(now: Date): Promise<SchedulerRun> {
    let missed = 0;
    let candidates = 0;
    while (
      missed < this.config.PATHWAY_SCHEDULER_BATCH &&
      !this.stopped &&
      (await this.inTransaction((manager) => this.sendMissed(manager, now)))
    )
      missed += 1;
    while (
      candidates < this.config.PATHWAY_SCHEDULER_BATCH &&
      !this.stopped &&
      (await this.inTransaction((manager) => this.sendCandidate(manager, now)))
    )
      candidates += 1;
    return { missed, candidates };
  }

  /** Runs `work` in a transaction (what it queues in the outbox wakes the relay when it commits). */
  private inTransaction(work: (manager: EntityManager) => Promise<boolean>): Promise<boolean> {
    return this.dataSource.transaction(work);
  }

  private async sendMissed(manager: EntityManager, now: Date): Promise<boolean> {
    const deadline = await this.repository.claimDueDeadline(manager, now);
    if (!deadline) return false;
    const eventId = randomUUID();
    const person = await this.personOf(manager, deadline.personId, deadline.subject);
    const input: EventInput = {
      type: 'pathway.deadline.missed',
      envelope: this.envelope(eventId, now, deadline.openedByEvent),
      person,
      deadline: {
        kind: deadline.kind as DeadlineKindCode,
        dueAt: deadline.dueAt.toISOString(),
        detectedAt: now.toISOString(),
        owedBy: this.organizationOf(deadline.owedBy),
        triggeringEventId: deadline.openedByEvent,
        description: deadline.description,
      },
    };
    const sent = await this.send(manager, input, now, `deadline ${deadline.id} (${deadline.kind})`);
    await this.repository.markMissed(manager, deadline.id, now, sent ? eventId : null);
    return true;
  }

  private async sendCandidate(manager: EntityManager, now: Date): Promise<boolean> {
    const claimed: ClaimedCandidate | undefined = await this.repository.claimCandidate(manager);
    if (!claimed) return false;
    const eventId = randomUUID();
    const input: EventInput = {
      type: 'pathway.candidate.identified',
      envelope: this.envelope(eventId, now, claimed.listingEventId),
      person: await this.personOf(manager, claimed.personId, claimed.subject),
      candidate: claimed.candidate as PathwayCandidateIdentifiedInput['candidate'],
    };
    const sent = await this.send(manager, input, now, `candidate of listing ${claimed.listingEventId}`);
    await this.repository.markCandidateSent(manager, claimed.listingEventId, now, sent ? eventId : null);
    return true;
  }

  /** Builds the Bundle and runs it through the pipeline as the hub; false when it cannot be built (logged, never retried forever). */
  private async send(manager: EntityManager, input: EventInput, now: Date, what: string): Promise<boolean> {
    const built = tryBuildEventBundle(input);
    if (!built.ok) {
      this.logger.error(
        `Cannot build ${input.type} for ${what}: ${built.outcome.issue.map((issue) => `${issue.code} at ${issue.expression?.join(',') ?? '-'}`).join('; ')}`,
      );
      return false;
    }
    const scope: IngressScope = {
      manager,
      publish: (...messages) => this.outbox.add(manager, ...messages),
      appendAudit: async (records) => void (await this.audit.append(manager, records)),
    };
    const message = {
      eventId: input.envelope.eventId,
      type: input.type,
      routingKey: ingressRoutingKey(HUB_PARTNER_ID, input.type),
      correlationId: input.envelope.correlationId,
      body: built.resource,
    };
    const result = await this.pipeline.process(scope, message, { hubOriginated: true, now });
    if (result.kind === 'refused')
      this.logger.error(
        `The pipeline refused the hub's own ${input.type} for ${what}: ${result.code} ${result.reason}`,
      );
    return true;
  }

  private envelope(eventId: string, now: Date, correlationId: string): EventInput['envelope'] {
    return {
      eventId,
      occurredAt: `${now.toISOString().slice(0, 19)}Z`,
      sender: HUB_PARTNER_ID,
      senderOrganization: {
        name: this.policy.sender(HUB_PARTNER_ID)?.name ?? 'CSTR interoperability hub',
        partnerId: HUB_PARTNER_ID,
      },
      correlationId,
    };
  }

  /** The person as the index knows them now (every identifier, after merges) with the name and birth date last seen. */
  private async personOf(
    manager: EntityManager,
    personId: string,
    subject: PathwaySubject,
  ): Promise<EventInput['person']> {
    const current = (await this.persons.currentPersonId(personId, manager)) ?? personId;
    const identifiers: PersonIdentifiersInput = {};
    for (const { system, value } of await this.persons.identifiers(current, manager)) {
      if (system === NHS_NUMBER_SYSTEM) identifiers.nhsNumber = value;
      else if (system === CRN_SYSTEM) identifiers.crn = value;
      else if (system === PNC_ID_SYSTEM) identifiers.pncId = value;
      else if (system === CRO_NUMBER_SYSTEM) identifiers.croNumber = value;
      else if (system === COMMON_PLATFORM_DEFENDANT_ID_SYSTEM) identifiers.commonPlatformDefendantId = value;
    }
    return { ...subject, identifiers };
  }

  private organizationOf(partnerId: string): OrganizationInput & { partnerId: string } {
    const partner = this.policy.partner(partnerId);
    if (!partner) return { name: partnerId, partnerId };
    if (partner.courtCode) return { code: partner.courtCode, codeKind: 'court', name: partner.name, partnerId };
    return { ...(partner.ods ? { code: partner.ods } : {}), name: partner.name, partnerId };
  }
}
