import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import { parseNhsNumber } from '@cstr/identity';
import { AdapterPusher } from '../shared/adapter-pusher';
import { StandInTokenGuard } from '../oauth/stand-in-token.guard';
import { publicBaseUrl } from '../shared/public-url';
import { ReceivedLog } from '../shared/received-log';
import { SandboxPartners } from '../shared/sandbox-partners';
import { SANDBOX_SETTINGS, type SandboxSettings } from '../shared/sandbox-settings';
import { sendOutcome, type SendOutcome } from '../shared/send-outcome';
import { changeOfGpEvent } from './change-of-gp-event';
import { PdsPatients } from './pds-patients';

const ODS_CODE = /^[A-Z0-9]{3,10}$/;

/** The PDS-style stand-in of each gp partner: Patient lookup by NHS number and change-of-GP signals. */
@Controller('sandbox/pds/:partnerId')
@UseGuards(StandInTokenGuard)
export class PdsController {
  constructor(
    private readonly partners: SandboxPartners,
    private readonly patients: PdsPatients,
    private readonly pusher: AdapterPusher,
    private readonly log: ReceivedLog,
    @Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings,
  ) {}

  /** `GET Patient/{nhsNumber}`: the Patient (restricted: no address, no GP); 400 for a malformed NHS number, 404 when unknown. */
  @Get('Patient/:nhsNumber')
  read(
    @Param('partnerId') partnerId: string,
    @Param('nhsNumber') nhsNumber: string,
    @Req() request: Request,
    @Res() response: Response,
  ): void {
    this.partners.require('pds', partnerId);
    const answer = (status: number) =>
      this.log.add({ kind: 'pds', partnerId, direction: 'received', method: 'GET', url: request.originalUrl, status }, [
        nhsNumber,
      ]);
    if (!parseNhsNumber(nhsNumber).ok) {
      answer(400);
      throw new OperationOutcomeError(
        400,
        operationOutcome('error', 'value', 'INVALID_RESOURCE_ID: the id is not a valid NHS number'),
      );
    }
    const patient = this.patients.read(partnerId, nhsNumber);
    if (!patient) {
      answer(404);
      throw new OperationOutcomeError(
        404,
        operationOutcome('error', 'not-found', 'RESOURCE_NOT_FOUND: no Patient with this NHS number'),
      );
    }
    answer(200);
    response.status(200).type('application/fhir+json').setHeader('ETag', `W/"${patient.meta.versionId}"`).json(patient);
  }

  /**
   * `POST send/change-of-gp { nhsNumber, odsCode, targetUrl? }`: registers the patient with the
   * practice and pushes a thin CloudEvent to `POST {adapter}/notifications`.
   */
  @Post('send/change-of-gp')
  @HttpCode(200)
  async changeOfGp(
    @Param('partnerId') partnerId: string,
    @Body() body: unknown,
    @Req() request: Request,
  ): Promise<SendOutcome> {
    this.partners.require('pds', partnerId);
    const { nhsNumber, odsCode, targetUrl } = (typeof body === 'object' && body !== null ? body : {}) as Record<
      string,
      unknown
    >;
    if (typeof nhsNumber !== 'string' || !parseNhsNumber(nhsNumber).ok)
      throw new OperationOutcomeError(
        400,
        operationOutcome('error', 'value', 'nhsNumber must be a valid NHS number', ['nhsNumber']),
      );
    if (typeof odsCode !== 'string' || !ODS_CODE.test(odsCode))
      throw new OperationOutcomeError(
        400,
        operationOutcome('error', 'value', 'odsCode must be an ODS code (3 to 10 capitals or digits)', ['odsCode']),
      );
    const url = this.pusher.adapterUrl(partnerId, '/notifications', targetUrl);
    if (!this.patients.changeGp(partnerId, nhsNumber, odsCode))
      throw new OperationOutcomeError(
        404,
        operationOutcome('error', 'not-found', 'No Patient with this NHS number', ['nhsNumber']),
      );
    const base = `${publicBaseUrl(request, this.settings)}/sandbox/pds/${partnerId}`;
    const event = changeOfGpEvent(base, nhsNumber, `${base}/Patient/${nhsNumber}`);
    return sendOutcome(
      await this.pusher.send({
        kind: 'pds',
        partnerId,
        method: 'POST',
        url,
        body: event,
        contentType: 'application/cloudevents+json',
      }),
      event,
    );
  }
}
