import { randomUUID } from 'node:crypto';
import { Body, Controller, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { OperationOutcomeError, operationOutcomeOf } from '@cstr/contracts';
import { AdapterPusher } from '../shared/adapter-pusher';
import { PartnerFixtures } from '../shared/partner-fixtures';
import { setBounded } from '../shared/bounded';
import { ReceivedLog } from '../shared/received-log';
import { SandboxPartners } from '../shared/sandbox-partners';
import { SANDBOX_SETTINGS, type SandboxSettings } from '../shared/sandbox-settings';
import { readSendRequest } from '../shared/send-request';
import { sendOutcome, type SendOutcome } from '../shared/send-outcome';
import { listedTodayAlertIssues, type ListedTodayAlert } from './listed-today-alert';

/** An alert as the L&D stand-in stored it. */
interface StoredAlert extends ListedTodayAlert {
  readonly id: string;
  readonly receivedAt: string;
}

/** The L&D case system stand-in: posts screenings to its adapter; receives "listed today" alerts. */
@Controller('sandbox/ld/:partnerId')
export class LdController {
  /** Alerts by partner, then by externalReference (at most SANDBOX_MAX_RECORDS each). */
  private readonly alerts = new Map<string, Map<string, StoredAlert>>();

  constructor(
    private readonly partners: SandboxPartners,
    private readonly fixtures: PartnerFixtures,
    private readonly pusher: AdapterPusher,
    private readonly log: ReceivedLog,
    @Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings,
  ) {}

  /** Pushes a screening to `POST {adapter}/screenings`. */
  @Post('send/screening')
  @HttpCode(200)
  async screening(
    @Param('partnerId') partnerId: string,
    @Body() body: unknown,
    @Query('targetUrl') targetUrl: unknown,
  ): Promise<SendOutcome> {
    this.partners.require('ld', partnerId);
    const request = readSendRequest(body, targetUrl, 'ld', this.fixtures);
    const url = this.pusher.adapterUrl(partnerId, '/screenings', request.targetUrl);
    return sendOutcome(await this.pusher.send({ kind: 'ld', partnerId, method: 'POST', url, body: request.payload }));
  }

  /** Receives a "listed today" alert: 201 with the stored alert, 409 with the first one for a repeated externalReference, 400 when invalid. */
  @Post('alerts')
  alert(@Param('partnerId') partnerId: string, @Body() body: unknown, @Res() response: Response): void {
    this.partners.require('ld', partnerId);
    const path = `/sandbox/ld/${partnerId}/alerts`;
    const issues = listedTodayAlertIssues(body);
    if (issues.length > 0) {
      this.log.add({ kind: 'ld', partnerId, direction: 'received', method: 'POST', url: path, status: 400, body });
      throw new OperationOutcomeError(400, operationOutcomeOf(issues));
    }
    const alert = body as ListedTodayAlert;
    const byReference = this.alerts.get(partnerId) ?? new Map<string, StoredAlert>();
    this.alerts.set(partnerId, byReference);
    const existing = byReference.get(alert.externalReference);
    if (existing) {
      this.log.add({ kind: 'ld', partnerId, direction: 'received', method: 'POST', url: path, status: 409, body });
      response.status(409).json({
        status: 409,
        userMessage: `An alert with externalReference ${alert.externalReference} was already received`,
        alert: existing,
      });
      return;
    }
    const stored: StoredAlert = { ...alert, id: randomUUID(), receivedAt: new Date().toISOString() };
    setBounded(byReference, alert.externalReference, stored, this.settings.maxRecords);
    this.log.add({ kind: 'ld', partnerId, direction: 'received', method: 'POST', url: path, status: 201, body });
    response.status(201).json(stored);
  }
}
