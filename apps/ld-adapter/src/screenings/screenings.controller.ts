import { Body, Controller, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import { InboundAuthGuard } from '@cstr/platform';
import type { Response } from 'express';
import type { OperationOutcome } from '@cstr/contracts';
import { ScreeningIntakeService } from './screening-intake.service';

/** `POST /screenings`: the L&D case system pushes a completed screening form. */
@Controller()
@UseGuards(InboundAuthGuard)
export class ScreeningsController {
  constructor(private readonly intake: ScreeningIntakeService) {}

  @Post('screenings')
  @HttpCode(202)
  async screening(@Body() form: unknown, @Res({ passthrough: true }) response: Response): Promise<OperationOutcome> {
    const result = await this.intake.receive(form, new Date());
    response.status(result.httpStatus);
    response.type('application/fhir+json');
    return result.outcome;
  }
}
