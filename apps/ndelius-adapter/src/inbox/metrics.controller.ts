import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DeliusInboxMetrics } from './delius-inbox.metrics';

/** `GET /metrics` (Prometheus text format): the inbox's acknowledgements. The adapter listens on loopback only. */
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(DeliusInboxMetrics) private readonly metrics: DeliusInboxMetrics) {}

  @Get()
  async scrape(@Res() response: Response): Promise<void> {
    response
      .status(HttpStatus.OK)
      .type(this.metrics.registry.contentType)
      .send(await this.metrics.registry.metrics());
  }
}
