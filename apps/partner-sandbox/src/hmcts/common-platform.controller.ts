import { Body, Controller, HttpCode, Param, Post, Query } from '@nestjs/common';
import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import { AdapterPusher } from '../shared/adapter-pusher';
import { PartnerFixtures } from '../shared/partner-fixtures';
import { SandboxPartners } from '../shared/sandbox-partners';
import { readSendRequest } from '../shared/send-request';
import { sendOutcome, type SendOutcome } from '../shared/send-outcome';

const HEARING_ID = /^[A-Za-z0-9-]{1,64}$/;

function hearingIdOf(payload: Record<string, unknown>): string {
  const hearing = payload.hearing as { id?: unknown } | undefined;
  const id = hearing?.id;
  if (typeof id !== 'string' || !HEARING_ID.test(id)) {
    throw new OperationOutcomeError(
      400,
      operationOutcome(
        'error',
        'required',
        'A Common Platform payload needs hearing.id (letters, digits and hyphens)',
        ['hearing.id'],
      ),
    );
  }
  return id;
}

/**
 * The HMCTS stand-in: a Common Platform sender (hearings, results, deletions) and Libra daily
 * lists, pushed to the court partner's adapter on request.
 */
@Controller('sandbox/hmcts/:partnerId/send')
export class CommonPlatformController {
  constructor(
    private readonly partners: SandboxPartners,
    private readonly fixtures: PartnerFixtures,
    private readonly pusher: AdapterPusher,
  ) {}

  /** Pushes a hearing (listed) to `POST {adapter}/hearing/{hearing.id}`. */
  @Post('hearing')
  @HttpCode(200)
  async hearing(
    @Param('partnerId') partnerId: string,
    @Body() body: unknown,
    @Query('targetUrl') targetUrl: unknown,
  ): Promise<SendOutcome> {
    this.partners.require('hmcts', partnerId);
    const request = readSendRequest(body, targetUrl, 'common-platform', this.fixtures);
    const id = hearingIdOf(request.payload);
    const url = this.pusher.adapterUrl(partnerId, `/hearing/${id}`, request.targetUrl);
    return sendOutcome(
      await this.pusher.send({ kind: 'hmcts', partnerId, method: 'POST', url, body: request.payload }),
    );
  }

  /** Pushes a resulted hearing to `POST {adapter}/hearing/{hearing.id}/result`. */
  @Post('result')
  @HttpCode(200)
  async result(
    @Param('partnerId') partnerId: string,
    @Body() body: unknown,
    @Query('targetUrl') targetUrl: unknown,
  ): Promise<SendOutcome> {
    this.partners.require('hmcts', partnerId);
    const request = readSendRequest(body, targetUrl, 'common-platform', this.fixtures);
    const id = hearingIdOf(request.payload);
    const url = this.pusher.adapterUrl(partnerId, `/hearing/${id}/result`, request.targetUrl);
    return sendOutcome(
      await this.pusher.send({ kind: 'hmcts', partnerId, method: 'POST', url, body: request.payload }),
    );
  }

  /** Tells the adapter a hearing was vacated: `DELETE {adapter}/hearing/{hearingId}`; body `{ "hearingId": "…", "targetUrl"?: "…" }`. */
  @Post('hearing-deletion')
  @HttpCode(200)
  async deletion(@Param('partnerId') partnerId: string, @Body() body: unknown): Promise<SendOutcome> {
    this.partners.require('hmcts', partnerId);
    const { hearingId, targetUrl } = (typeof body === 'object' && body !== null ? body : {}) as {
      hearingId?: unknown;
      targetUrl?: unknown;
    };
    if (typeof hearingId !== 'string' || !HEARING_ID.test(hearingId)) {
      throw new OperationOutcomeError(
        400,
        operationOutcome('error', 'required', 'hearingId is required (letters, digits and hyphens)', ['hearingId']),
      );
    }
    const url = this.pusher.adapterUrl(partnerId, `/hearing/${hearingId}`, targetUrl);
    return sendOutcome(
      await this.pusher.send({ kind: 'hmcts', partnerId, method: 'DELETE', url, identifiers: [hearingId] }),
    );
  }

  /** Pushes a Libra daily case list to `POST {adapter}/libra/daily-list`. */
  @Post('daily-list')
  @HttpCode(200)
  async dailyList(
    @Param('partnerId') partnerId: string,
    @Body() body: unknown,
    @Query('targetUrl') targetUrl: unknown,
  ): Promise<SendOutcome> {
    this.partners.require('hmcts', partnerId);
    const request = readSendRequest(body, targetUrl, 'libra', this.fixtures);
    const url = this.pusher.adapterUrl(partnerId, '/libra/daily-list', request.targetUrl);
    return sendOutcome(
      await this.pusher.send({ kind: 'hmcts', partnerId, method: 'POST', url, body: request.payload }),
    );
  }
}
