import { Body, Controller, HttpCode, Post, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { InboundAuthGuard } from '@cstr/platform';
import { DomainEventIntake } from './domain-event-intake';

/**
 * Where n-Delius (through SNS/SQS) pushes its HMPPS domain events: only SNS notifications whose
 * message signature verifies (401/403 OperationOutcome otherwise).
 */
@Controller()
@UseGuards(InboundAuthGuard)
export class DomainEventsController {
  constructor(private readonly intake: DomainEventIntake) {}

  /** `POST /domain-events`: 401/403 unsigned or badly signed, 202 published, 200 ignored, 400/422 OperationOutcome, 502 Delius unreachable (redeliver). */
  @Post('domain-events')
  @HttpCode(202)
  async receive(@Body() notification: unknown, @Res() response: Response): Promise<void> {
    const answer = await this.intake.receive(notification);
    const isOutcome = 'resourceType' in answer.body;
    response
      .status(answer.status)
      .type(isOutcome ? 'application/fhir+json' : 'application/json')
      .json(answer.body);
  }
}
