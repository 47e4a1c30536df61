import { Controller, Get, HttpStatus, Inject, Query, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { HubMetrics } from '../core/hub-metrics';
import { AuthGuard } from '../auth/auth.guard';
import { Roles } from '../auth/roles.decorator';
import { onlyParams, type QueryParams } from './query-params';

/**
 * `GET /metrics` (Prometheus text format) for operators and admins; a Prometheus server scrapes
 * it with a user principal of role operator (HTTP Basic in its scrape config).
 */
@ApiTags('operations')
@Controller('metrics')
@UseGuards(AuthGuard)
export class MetricsController {
  constructor(@Inject(HubMetrics) private readonly metrics: HubMetrics) {}

  @Get()
  @Roles('operator', 'admin')
  @ApiOperation({
    summary: 'Prometheus metrics: events in, delivered, refused per type and partner; latency; dead letters; process',
  })
  @ApiProduces('text/plain')
  async scrape(@Query() query: QueryParams, @Res() response: Response): Promise<void> {
    onlyParams(query, []);
    const text = await this.metrics.registry.metrics();
    response.status(HttpStatus.OK).type(this.metrics.registry.contentType).send(text);
  }
}
