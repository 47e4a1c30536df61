import { Controller, Delete, HttpCode, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import { InboundAuthGuard } from '@cstr/platform';
import type { Request, Response } from 'express';
import type { OperationOutcome } from '@cstr/contracts';
import { ListingIntakeService, type ListingPayloadKind } from './listing-intake.service';

/**
 * The endpoints the court systems push to (apps/partner-sandbox/README.md): Common Platform
 * hearings, results and deletions, and Libra daily lists. Bodies arrive as raw bytes (see
 * `configureListingsHttp`) so they are archived exactly as sent, before any parsing.
 */
@Controller()
@UseGuards(InboundAuthGuard)
export class ListingsController {
  constructor(private readonly intake: ListingIntakeService) {}

  /** A hearing listed (or re-listed) on Common Platform. */
  @Post('hearing/:hearingId')
  @HttpCode(202)
  hearing(
    @Param('hearingId') hearingId: string,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<OperationOutcome> {
    return this.take('hearing', request, response, hearingId);
  }

  /** A hearing's results. */
  @Post('hearing/:hearingId/result')
  @HttpCode(202)
  result(
    @Param('hearingId') hearingId: string,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<OperationOutcome> {
    return this.take('result', request, response, hearingId);
  }

  /** A hearing taken out of the list. */
  @Delete('hearing/:hearingId')
  @HttpCode(202)
  deletion(
    @Param('hearingId') hearingId: string,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<OperationOutcome> {
    return this.take('deletion', request, response, hearingId);
  }

  /** A Libra daily case list (thousands of hearings in one request). */
  @Post('libra/daily-list')
  @HttpCode(202)
  dailyList(@Req() request: Request, @Res({ passthrough: true }) response: Response): Promise<OperationOutcome> {
    return this.take('daily-list', request, response);
  }

  private async take(
    kind: ListingPayloadKind,
    request: Request,
    response: Response,
    hearingId?: string,
  ): Promise<OperationOutcome> {
    const body: unknown = request.body;
    const result = await this.intake.receive({
      kind,
      hearingId,
      method: request.method,
      route: request.path,
      contentType: request.headers['content-type'],
      body: Buffer.isBuffer(body) ? body : Buffer.alloc(0),
      receivedAt: new Date(),
    });
    response.status(result.httpStatus);
    response.type('application/fhir+json');
    if (result.archiveId) response.setHeader('X-Archive-Id', result.archiveId);
    return result.outcome;
  }
}
