import { Body, Controller, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import { InboundAuthGuard } from '@cstr/platform';
import type { Response } from 'express';
import type { OperationOutcome } from '@cstr/contracts';
import { GpRegistrationService } from '../checks/gp-registration.service';

/** `POST /notifications`: PDS change-of-GP signals (CloudEvents 1.0, structured JSON). */
@Controller()
@UseGuards(InboundAuthGuard)
export class NotificationsController {
  constructor(private readonly registrations: GpRegistrationService) {}

  @Post('notifications')
  @HttpCode(202)
  async notification(
    @Body() cloudEvent: unknown,
    @Res({ passthrough: true }) response: Response,
  ): Promise<OperationOutcome> {
    const result = await this.registrations.changeOfGp(cloudEvent);
    response.status(result.httpStatus);
    response.type('application/fhir+json');
    return result.outcome;
  }
}
