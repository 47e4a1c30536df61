import { Controller, Get, HttpCode, HttpStatus, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AuthGuard } from '../auth/auth.guard';
import { CurrentPrincipal, Roles } from '../auth/roles.decorator';
import type { Principal } from '../auth/roles';
import { badParam, intParam, onlyParams, textParam, type QueryParams } from '../http/query-params';
import { DeadLetterQueues } from './dead-letter-queues';
import { DeadLetterReplayService } from './dead-letter-replay.service';
import { DeadLetterStore, type DeadLetterView } from './dead-letter.store';

const ID = /^[1-9][0-9]{0,17}$/;

/**
 * `GET /dead-letters`, `POST /dead-letters/{id}/replay` (SPEC §7, operators): what the hub gave up
 * on, why, and a way to try again. Metadata and failure reasons only: no role gets the bodies,
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
    const partner = text('partner');
    const partnerDlq = partner === undefined ? undefined : this.queues.inboxDlqOf(partner);
    if (partner !== undefined && partnerDlq === undefined)
      throw badParam('partner', 'partner must be the id of a configured partner.');
    if (partnerDlq !== undefined && text('queue') !== undefined && text('queue') !== partnerDlq)
      throw badParam('queue', 'queue and partner name different queues: give one of them.');
    return this.store.list({
      ...optional('queue', partnerDlq ?? text('queue')),
      ...optional('eventId', text('event')),
      ...optional('failureCode', text('code')),
      ...(replayed !== undefined ? { replayed: replayed === 'true' } : {}),
      ...optional('before', after),
      limit: intParam(query, 'limit', 1, 500, 100),
    });
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
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
