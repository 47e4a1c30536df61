import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { operationOutcomeOf, safeErrorText, type OperationOutcome, type OperationOutcomeIssue } from '@cstr/contracts';
import {
  mapHearingListed,
  mapHearingResulted,
  mapLibraDailyList,
  type EventInput,
  type MappingContext,
  type MapResult,
} from '@cstr/fhir';
import { IngressPublisher, payloadEventIds, type IngressEvent } from '@cstr/platform';
import {
  payloadSha256,
  RawPayloadArchive,
  type RawPayload,
  type RawPayloadStatus,
} from '../archive/raw-payload.archive';
import { HMCTS_PARTNER_SETTINGS, type HmctsPartnerSettings } from '../hmcts-partner-settings';

/** The kinds of payload the court systems push. */
export type ListingPayloadKind = 'hearing' | 'result' | 'deletion' | 'daily-list';

/** A pushed payload: its kind, the hearing id of its route (Common Platform), and its bytes. */
export interface ListingPayload extends RawPayload {
  readonly kind: ListingPayloadKind;
  readonly hearingId?: string;
}

/** The answer to a push: HTTP status, an OperationOutcome saying why, and the archive row. */
export interface IntakeResult {
  readonly httpStatus: number;
  readonly outcome: OperationOutcome;
  readonly archiveId?: string;
  readonly archiveStatus: RawPayloadStatus;
  readonly eventCount: number;
}

/** What a payload decided, before it is written down. */
interface Decision {
  readonly httpStatus: number;
  readonly status: RawPayloadStatus;
  readonly issues: OperationOutcomeIssue[];
  /** The events to publish (refused whole, as invalid, when one cannot be published). */
  readonly events?: readonly IngressEvent[];
}

const MAPPERS: Record<
  Exclude<ListingPayloadKind, 'deletion'>,
  (json: unknown, context: MappingContext) => MapResult
> = {
  hearing: mapHearingListed,
  result: mapHearingResulted,
  'daily-list': mapLibraDailyList,
};

/**
 * Takes in what the court systems push: archives the raw payload first, then parses and maps it
 * (Common Platform hearings and results, Libra daily lists), checks every hearing is at this
 * partner's court, and queues the events in the outbox — the archive row, its status and the
 * outbox rows in one transaction. A payload that cannot be used is still archived, with its
 * status and OperationOutcome, and the sender is told why (400, 403, 422).
 */
@Injectable()
export class ListingIntakeService {
  private readonly logger = new Logger(ListingIntakeService.name);
  private readonly archive = new RawPayloadArchive();

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: IngressPublisher,
    @Inject(HMCTS_PARTNER_SETTINGS) private readonly settings: HmctsPartnerSettings,
  ) {}

  /** Archives, maps and publishes one pushed payload. Never throws on bad input. */
  async receive(payload: ListingPayload): Promise<IntakeResult> {
    let result: IntakeResult;
    try {
      result = await this.dataSource.transaction(async (manager) => {
        const archiveId = await this.archive.archive(manager, payload);
        const decision = await this.publishDecided(manager, this.decide(payload));
        const eventCount = decision.events?.length ?? 0;
        const outcome = operationOutcomeOf(decision.issues);
        await this.archive.settle(manager, archiveId, decision.status, eventCount, outcome);
        return { httpStatus: decision.httpStatus, outcome, archiveId, archiveStatus: decision.status, eventCount };
      });
    } catch (error) {
      return this.keepAfterFailure(payload, error);
    }
    return result;
  }

  /** What to do with a payload: parse, map, check the court, prepare the events. */
  private decide(payload: ListingPayload): Decision {
    if (payload.kind === 'deletion') {
      return {
        httpStatus: HttpStatus.ACCEPTED,
        status: 'recorded',
        issues: [
          info(
            'informational',
            'The hearing deletion is archived; the event catalogue has no event for a deleted hearing, so nothing is sent.',
          ),
        ],
      };
    }
    let json: unknown;
    try {
      json = JSON.parse(payload.body.toString('utf8'));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return {
        httpStatus: HttpStatus.BAD_REQUEST,
        status: 'unparseable',
        issues: [problem('structure', `The body is not JSON (${reason}); it is archived.`, '$')],
      };
    }
    if (payload.hearingId !== undefined) {
      const bodyId = (json as { hearing?: { id?: unknown } } | null)?.hearing?.id;
      if (bodyId !== payload.hearingId) {
        return {
          httpStatus: HttpStatus.UNPROCESSABLE_ENTITY,
          status: 'invalid',
          issues: [problem('value', 'hearing.id must be the hearing id of the URL.', 'hearing.id')],
        };
      }
    }
    const identity = `${payload.method} ${payload.route} ${payloadSha256(payload.body)}`;
    const context: MappingContext = {
      senderPartnerId: this.settings.partnerId,
      senderOrganization: {
        code: this.settings.courtCode,
        codeKind: 'court',
        name: this.settings.name,
        partnerId: this.settings.partnerId,
      },
      receivedAt: payload.receivedAt.toISOString(),
      // The same payload sent again gives the same event ids: the hub applies it once.
      newId: payloadEventIds(this.settings.partnerId, identity),
    };
    const mapped = MAPPERS[payload.kind](json, context);
    if (mapped.kind === 'invalid')
      return { httpStatus: HttpStatus.UNPROCESSABLE_ENTITY, status: 'invalid', issues: mapped.outcome.issue };
    if (mapped.kind === 'ignored')
      return { httpStatus: HttpStatus.OK, status: 'ignored', issues: [info('informational', mapped.reason)] };

    const foreign = mapped.events.map(courtOf).filter((code) => code !== this.settings.courtCode);
    if (foreign.length > 0) {
      const courts = [...new Set(foreign)].join(', ');
      return {
        httpStatus: HttpStatus.FORBIDDEN,
        status: 'refused',
        issues: [
          problem(
            'forbidden',
            `This partner sends hearings of court ${this.settings.courtCode} only, not ${courts}; nothing was sent.`,
            courtPath(payload.kind),
          ),
        ],
      };
    }
    const events = mapped.events.map((input) => ({
      input,
      options: { orderingKey: this.orderingKey(payload, input) },
    }));
    const warnings = mapped.warnings?.issue ?? [];
    return {
      httpStatus: HttpStatus.ACCEPTED,
      status: 'published',
      issues: [info('informational', `${events.length} event(s) accepted for the hub.`), ...warnings],
      events,
    };
  }

  /**
   * Queues the events of a decision through `manager`. All or nothing: a list half sent is harder
   * to put right than one refused, so one event that cannot be published makes the payload invalid.
   */
  private async publishDecided(manager: EntityManager, decision: Decision): Promise<Decision> {
    if (!decision.events) return decision;
    const published = await this.publisher.publish(manager, decision.events);
    if (published.ok) return decision;
    const events = decision.events;
    const issues = published.rejected.flatMap(({ index, outcome }) =>
      outcome.issue.map((each) => ({
        ...each,
        diagnostics: `Event ${index + 1} (${events[index].input.type}): ${each.diagnostics ?? ''}`,
      })),
    );
    return { httpStatus: HttpStatus.UNPROCESSABLE_ENTITY, status: 'invalid', issues };
  }

  /** Events about one hearing keep their order: the hearing id (of the URL, else of the event) is the ordering key. */
  private orderingKey(payload: ListingPayload, input: EventInput): string {
    if (payload.hearingId !== undefined) return payload.hearingId;
    return 'hearing' in input ? input.hearing.id : input.envelope.eventId;
  }

  /**
   * The transaction failed (database down, a defect): the payload must still not be lost, so it is
   * archived alone, and the sender told to try again (503).
   */
  private async keepAfterFailure(payload: ListingPayload, error: unknown): Promise<IntakeResult> {
    this.logger.error(`Could not process a ${payload.kind} payload: ${safeErrorText(error)}`);
    const outcome = operationOutcomeOf([
      problem('transient', 'The payload could not be processed now; send it again later.', '$'),
    ]);
    try {
      const archiveId = await this.dataSource.transaction((manager) => this.archive.archive(manager, payload));
      return {
        httpStatus: HttpStatus.SERVICE_UNAVAILABLE,
        outcome,
        archiveId,
        archiveStatus: 'received',
        eventCount: 0,
      };
    } catch {
      return { httpStatus: HttpStatus.SERVICE_UNAVAILABLE, outcome, archiveStatus: 'received', eventCount: 0 };
    }
  }
}

/** The court code of a court event. */
function courtOf(input: EventInput): string | undefined {
  if ('hearing' in input) return input.hearing.court.code;
  if (input.type === 'court.review.listed' || input.type === 'court.review.resulted')
    return input.review.hearing.court.code;
  if (input.type === 'court.sentence.imposed') return input.sentence.court.code;
  return undefined;
}

function courtPath(kind: ListingPayloadKind): string {
  return kind === 'daily-list' ? 'court_code' : 'hearing.courtCentre.code';
}

function problem(code: OperationOutcomeIssue['code'], diagnostics: string, expression: string): OperationOutcomeIssue {
  return { severity: 'error', code, diagnostics, expression: [expression] };
}

function info(code: OperationOutcomeIssue['code'], diagnostics: string): OperationOutcomeIssue {
  return { severity: 'information', code, diagnostics };
}
