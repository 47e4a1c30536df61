import { randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import type { Request } from 'express';
import { StandInTokenGuard } from '../oauth/stand-in-token.guard';
import { AdapterPusher } from '../shared/adapter-pusher';
import { FaultControl, parseFaults, type Faults } from '../shared/fault-control';
import { PartnerFixtures } from '../shared/partner-fixtures';
import { publicBaseUrl } from '../shared/public-url';
import { ReceivedLog } from '../shared/received-log';
import { SandboxPartners } from '../shared/sandbox-partners';
import { SANDBOX_SETTINGS, type SandboxSettings } from '../shared/sandbox-settings';
import { readSendRequest } from '../shared/send-request';
import { sendOutcome, type SendOutcome } from '../shared/send-outcome';
import { DeliusApi, type DeliusCase, type DeliusEntry } from './delius-api';
import { SnsSigner } from '../sns/sns-signer';
import { snsNotification } from './domain-event-envelope';
import { HmppsApiError, HmppsErrorFilter } from './hmpps-error.filter';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The Delius API stand-in of each probation partner: cases, contacts and alerts, domain-event
 * detail documents, emitted domain events and fault control. Errors are HMPPS `ErrorResponse`s.
 */
@Controller('sandbox/delius/:partnerId')
@UseFilters(HmppsErrorFilter)
@UseGuards(StandInTokenGuard)
export class DeliusController {
  constructor(
    private readonly partners: SandboxPartners,
    private readonly api: DeliusApi,
    private readonly faults: FaultControl,
    private readonly fixtures: PartnerFixtures,
    private readonly pusher: AdapterPusher,
    private readonly log: ReceivedLog,
    @Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings,
    private readonly signer: SnsSigner,
  ) {}

  /**
   * Runs an API call as the real API would answer it: partner check, configured delay and
   * failure, then `act`; records the call and its status either way.
   */
  private async call<T>(partnerId: string, request: Request, identifiers: string[], act: () => T): Promise<T> {
    this.partners.require('delius', partnerId);
    const record = (status: number) =>
      this.log.add(
        {
          kind: 'delius',
          partnerId,
          direction: 'received',
          method: request.method,
          url: request.originalUrl,
          status,
          ...(request.method === 'POST' ? { body: request.body as unknown } : {}),
        },
        identifiers,
      );
    const failWith = await this.faults.apply(partnerId);
    if (failWith !== null) {
      record(failWith);
      throw new HmppsApiError(failWith, `The sandbox was told to fail with ${failWith}`, 'SANDBOX_FAULT');
    }
    try {
      const result = act();
      record(request.method === 'POST' ? 201 : 200);
      return result;
    } catch (error) {
      record(error instanceof HmppsApiError ? error.status : 500);
      throw error;
    }
  }

  /** `GET case/{crn}`: the case, or 404 for an unknown CRN. */
  @Get('case/:crn')
  getCase(
    @Param('partnerId') partnerId: string,
    @Param('crn') crn: string,
    @Req() request: Request,
  ): Promise<DeliusCase> {
    return this.call(partnerId, request, [crn], () => this.api.getCase(partnerId, crn));
  }

  /** `POST cases`: adds a known case (201), 409 when the CRN exists. */
  @Post('cases')
  addCase(@Param('partnerId') partnerId: string, @Body() body: unknown, @Req() request: Request): Promise<DeliusCase> {
    return this.call(partnerId, request, [], () => this.api.addCase(partnerId, body));
  }

  /** `POST case/{crn}/contacts`: 201 with the contact; 404 unknown CRN; 409 with the existing contact for a repeated externalReference. */
  @Post('case/:crn/contacts')
  addContact(
    @Param('partnerId') partnerId: string,
    @Param('crn') crn: string,
    @Body() body: unknown,
    @Req() request: Request,
  ): Promise<DeliusEntry> {
    return this.call(partnerId, request, [crn], () => this.api.addContact(partnerId, crn, body));
  }

  /** `GET case/{crn}/contacts`: the contacts written to the case. */
  @Get('case/:crn/contacts')
  contacts(
    @Param('partnerId') partnerId: string,
    @Param('crn') crn: string,
    @Req() request: Request,
  ): Promise<{ content: DeliusEntry[] }> {
    return this.call(partnerId, request, [crn], () => ({ content: this.api.contacts(partnerId, crn) }));
  }

  /** `POST case/{crn}/alerts`: 201 with the alert; same rules as contacts. */
  @Post('case/:crn/alerts')
  addAlert(
    @Param('partnerId') partnerId: string,
    @Param('crn') crn: string,
    @Body() body: unknown,
    @Req() request: Request,
  ): Promise<DeliusEntry> {
    return this.call(partnerId, request, [crn], () => this.api.addAlert(partnerId, crn, body));
  }

  /** `GET case/{crn}/alerts`: the alerts written to the case. */
  @Get('case/:crn/alerts')
  alerts(
    @Param('partnerId') partnerId: string,
    @Param('crn') crn: string,
    @Req() request: Request,
  ): Promise<{ content: DeliusEntry[] }> {
    return this.call(partnerId, request, [crn], () => ({ content: this.api.alerts(partnerId, crn) }));
  }

  /** `GET detail/{…}`: the detail document an emitted domain event's detailUrl points to. */
  @Get('detail/*path')
  detail(
    @Param('partnerId') partnerId: string,
    @Param('path') path: string | string[],
    @Req() request: Request,
  ): Promise<unknown> {
    const subPath = `/${(Array.isArray(path) ? path : [path]).join('/')}`;
    return this.call(partnerId, request, [], () => this.api.detail(partnerId, subPath));
  }

  /** `GET control`: the current fault settings. */
  @Get('control')
  control(@Param('partnerId') partnerId: string): Faults {
    this.partners.require('delius', partnerId);
    return this.faults.get(partnerId);
  }

  /** `POST control { failWith, delayMs }`: makes the API calls fail and/or slow (not the sandbox's own endpoints). */
  @Post('control')
  @HttpCode(200)
  setControl(@Param('partnerId') partnerId: string, @Body() body: unknown): Faults {
    this.partners.require('delius', partnerId);
    const faults = parseFaults(body);
    if (typeof faults === 'string') throw new HmppsApiError(400, faults, 'VALIDATION_FAILURE');
    return this.faults.set(partnerId, faults);
  }

  /**
   * `POST send/domain-event`: emits an HMPPS domain event to `POST {adapter}/domain-events`, as
   * SNS/SQS delivers it. Body: `{ "fixture": "<hmpps name>" }` (its detailUrl is rewritten to this
   * stand-in's detail path), or the event itself, optionally with a `detail` member that the
   * stand-in then serves at the event's new detailUrl.
   */
  @Post('send/domain-event')
  @HttpCode(200)
  async domainEvent(
    @Param('partnerId') partnerId: string,
    @Body() body: unknown,
    @Query('targetUrl') targetUrl: unknown,
    @Req() request: Request,
    @Query('signatureVersion') signatureVersion?: string,
  ): Promise<SendOutcome> {
    this.partners.require('delius', partnerId);
    if (signatureVersion !== undefined && signatureVersion !== '1' && signatureVersion !== '2')
      throw new HmppsApiError(400, 'signatureVersion must be 1 or 2', 'VALIDATION_FAILURE');
    const fixtureName =
      isRecord(body) && typeof body.fixture === 'string' && !body.fixture.endsWith('.event')
        ? `${body.fixture}.event`
        : undefined;
    const sendRequest = readSendRequest(
      fixtureName && isRecord(body) ? { ...body, fixture: fixtureName } : body,
      targetUrl,
      'hmpps',
      this.fixtures,
    );
    const { detail, ...event } = sendRequest.payload;
    if (typeof event.eventType !== 'string')
      throw new HmppsApiError(400, 'A domain event needs an eventType', 'VALIDATION_FAILURE');
    const detailBase = `${publicBaseUrl(request, this.settings)}/sandbox/delius/${partnerId}/detail`;
    if (detail !== undefined) {
      const path = `/events/${randomUUID()}`;
      this.api.putDetail(partnerId, path, detail);
      event.detailUrl = `${detailBase}${path}`;
    } else if (sendRequest.fixture && typeof event.detailUrl === 'string') {
      event.detailUrl = `${detailBase}${new URL(event.detailUrl).pathname}`;
    }
    const url = this.pusher.adapterUrl(partnerId, '/domain-events', sendRequest.targetUrl);
    // Signed as SNS signs: the adapter checks the signature with the certificate served by the sandbox.
    const notification = this.signer.sign(
      { ...snsNotification(event) },
      publicBaseUrl(request, this.settings),
      signatureVersion === '1' ? '1' : '2',
    );
    // The envelope carries the event as text: list its identifiers for `received` filtering.
    const identifiers = collectStrings(event.personReference);
    return sendOutcome(
      await this.pusher.send({ kind: 'delius', partnerId, method: 'POST', url, body: notification, identifiers }),
      { event },
    );
  }
}

function collectStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(collectStrings);
  if (isRecord(value)) return Object.values(value).flatMap(collectStrings);
  return [];
}
