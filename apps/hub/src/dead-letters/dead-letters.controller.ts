import { Controller, Get, HttpCode, HttpStatus, Inject, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthGuard } from '../auth/auth.guard';
import { CurrentPrincipal, Roles } from '../auth/roles.decorator';
import type { Principal } from '../auth/roles';
import { badParam, intParam, onlyParams, textParam, type QueryParams } from '../http/query-params';
import { DeadLetterQueues } from './dead-letter-queues';
import { DeadLetterReplayService, type BulkReplay } from './dead-letter-replay.service';
import { DeadLetterStore, type DeadLetterView, type ReplayFilter } from './dead-letter.store';

const ID = /^[1-9][0-9]{0,17}$/;
/** A day or an instant, ISO 8601 (a day is its start, UTC). */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const FILTERS = ['queue', 'partner', 'code', 'from', 'to'] as const;

/**
 * `GET /dead-letters`, `POST /dead-letters/{id}/replay`, `POST /dead-letters/replay` (SPEC §7,
 * operators): what the hub gave up on, why, and a way to try again, one or by filter. Metadata and failure reasons only: no role gets the bodies,
 * which hold personal data (they stay in the database for a replay).
 */
@ApiTags('dead-letters')
@Controller('dead-letters')
@UseGuards(AuthGuard)
export class DeadLettersController {
  constructor(
    @Inject(DeadLetterStore) private readonly store: DeadLetterStore,
    @Inject(DeadLetterReplayService) private readonly replays: DeadLetterReplayService,
    @Inject(DeadLetterQueues) private readonly queues: DeadLetterQueues,
  ) {}

  @Get()
  @Roles('operator', 'admin')
  @ApiOperation({
    summary:
      "Dead letters of the hub's ingress and of every partner's inbox, newest first: { deadLetters: [...], next? } (queue, partner, metadata and failure reason, never the body)",
  })
  @ApiQuery({
    name: 'queue',
    required: false,
    description: 'The DLQ, e.g. hub.ingress.dlq or partner.nps-london-croydon.inbox.dlq',
  })
  @ApiQuery({ name: 'partner', required: false, description: "A partner id: the dead letters of that partner's inbox" })
  @ApiQuery({ name: 'event', required: false, description: 'Event id' })
  @ApiQuery({ name: 'code', required: false, description: 'Failure code, e.g. invalid-bundle' })
  @ApiQuery({ name: 'replayed', required: false, enum: ['true', 'false'] })
  @ApiQuery({ name: 'limit', required: false, description: '1-500, default 100' })
  @ApiQuery({ name: 'after', required: false, description: 'The next cursor of the previous page' })
  async list(@Query() query: QueryParams): Promise<{ deadLetters: DeadLetterView[]; next?: string }> {
    onlyParams(query, ['queue', 'partner', 'event', 'code', 'replayed', 'limit', 'after']);
    const replayed = textParam(query, 'replayed');
    if (replayed !== undefined && replayed !== 'true' && replayed !== 'false')
      throw badParam('replayed', 'replayed must be true or false.');
    const after = textParam(query, 'after');
    if (after !== undefined && !ID.test(after))
      throw badParam('after', 'after must be the next cursor of a previous page.');
    const text = (name: string): string | undefined => textParam(query, name) || undefined;
    const queue = this.queueParam(query);
    return this.store.list({
      ...optional('queue', queue),
      ...optional('eventId', text('event')),
      ...optional('failureCode', text('code')),
      ...(replayed !== undefined ? { replayed: replayed === 'true' } : {}),
      ...optional('before', after),
      limit: intParam(query, 'limit', 1, 500, 100),
    });
  }

  @Post('replay')
  @Roles('operator', 'admin')
  @ApiOperation({
    summary:
      'Replay every dead letter not replayed yet that a filter matches (queue or partner, failure code, period received), oldest first, ' +
      'or list them with dryRun=true: { dryRun, count, deadLetters: [{ id, queue, partner, eventId, eventType, failureCode, failureReason, receivedAt, ageSeconds }], notReplayable, more }',
    description:
      'At least one filter. The replay sends each back as POST /dead-letters/{id}/replay does, in one transaction, and audits each and the filter with the count. ' +
      'Never the bodies.',
  })
  @ApiQuery({ name: 'queue', required: false, description: 'The DLQ, e.g. hub.ingress.dlq' })
  @ApiQuery({ name: 'partner', required: false, description: "A partner id: its inbox's DLQ" })
  @ApiQuery({ name: 'code', required: false, description: 'Failure code (the reason), e.g. unknown-crn' })
  @ApiQuery({ name: 'from', required: false, description: 'Received by the hub at or after (ISO 8601 day or instant)' })
  @ApiQuery({ name: 'to', required: false, description: 'Received by the hub before (ISO 8601 day or instant)' })
  @ApiQuery({ name: 'limit', required: false, description: '1-1000, default 100' })
  @ApiQuery({ name: 'dryRun', required: false, enum: ['true', 'false'], description: 'true: list, replay nothing' })
  @ApiResponse({ status: 200, description: 'Dry run: what would be replayed' })
  @ApiResponse({ status: 202, description: 'Replayed: what was sent back' })
  async replayMatching(
    @Query() query: QueryParams,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<BulkReplay> {
    onlyParams(query, [...FILTERS, 'limit', 'dryRun']);
    const dryRun = textParam(query, 'dryRun');
    if (dryRun !== undefined && dryRun !== 'true' && dryRun !== 'false')
      throw badParam('dryRun', 'dryRun must be true or false.');
    const filter = this.replayFilterOf(query);
    const described = FILTERS.flatMap((name) => {
      const value = textParam(query, name);
      return value ? [`${name}=${value}`] : [];
    }).join(', ');
    const answer = await this.replays.replayMatching(filter, described, principal.id, dryRun === 'true');
    response.status(answer.dryRun ? HttpStatus.OK : HttpStatus.ACCEPTED);
    return answer;
  }

  @Post(':id/replay')
  @HttpCode(HttpStatus.ACCEPTED)
  @Roles('operator', 'admin')
  @ApiOperation({
    summary:
      "Send a dead letter back to the queue it failed in — hub.ingress or the partner's inbox — through the outbox; audited",
  })
  @ApiParam({ name: 'id', description: 'The dead letter id' })
  async replay(
    @Param('id') id: string,
    @Query() query: QueryParams,
    @CurrentPrincipal() principal: Principal,
  ): Promise<DeadLetterView> {
    onlyParams(query, []);
    if (!ID.test(id)) throw badParam('id', 'The dead letter id is a positive whole number.');
    return this.replays.replay(id, principal.id);
  }

  /** The queue a query names: `queue`, or `partner` for its inbox's DLQ (not both, unless they agree). */
  private queueParam(query: QueryParams): string | undefined {
    const text = (name: string): string | undefined => textParam(query, name) || undefined;
    const partner = text('partner');
    const partnerDlq = partner === undefined ? undefined : this.queues.inboxDlqOf(partner);
    if (partner !== undefined && partnerDlq === undefined)
      throw badParam('partner', 'partner must be the id of a configured partner.');
    if (partnerDlq !== undefined && text('queue') !== undefined && text('queue') !== partnerDlq)
      throw badParam('queue', 'queue and partner name different queues: give one of them.');
    return partnerDlq ?? text('queue');
  }

  /** The filter of a bulk replay: at least one of queue/partner, code, from, to; a partner names its inbox's DLQ. */
  private replayFilterOf(query: QueryParams): ReplayFilter {
    const text = (name: string): string | undefined => textParam(query, name) || undefined;
    if (FILTERS.every((name) => text(name) === undefined))
      throw badParam('queue', `A bulk replay needs a filter: at least one of ${FILTERS.join(', ')}.`);
    const queue = this.queueParam(query);
    const from = instantParam(query, 'from');
    const to = instantParam(query, 'to');
    if (from && to && from >= to) throw badParam('to', 'to must be after from.');
    return {
      ...optional('queue', queue),
      ...optional('failureCode', text('code')),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      limit: intParam(query, 'limit', 1, 1000, 100),
    };
  }
}

function instantParam(query: QueryParams, name: string): Date | undefined {
  const text = textParam(query, name) || undefined;
  if (text === undefined) return undefined;
  const time = ISO_TIME.test(text) ? Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text) : NaN;
  if (!Number.isFinite(time)) throw badParam(name, `${name} must be an ISO 8601 day or instant, e.g. 2026-12-01.`);
  return new Date(time);
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
