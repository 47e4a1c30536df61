import { Body, Controller, Headers, HttpStatus, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { FHIR_JSON_CONTENT_TYPE, OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { CurrentPrincipal, Roles } from '../auth/roles.decorator';
import type { Principal } from '../auth/roles';
import { JSON_MEDIA_TYPES } from './hub-http.setup';
import { ProcessMessageService } from './process-message.service';

/** `POST /fhir/$process-message` (SPEC §7): a partner submits a message Bundle over HTTP. */
@ApiTags('fhir')
@Controller('fhir')
@UseGuards(AuthGuard)
export class ProcessMessageController {
  constructor(private readonly service: ProcessMessageService) {}

  @Post('$process-message')
  @Roles('partner')
  @ApiOperation({
    summary: 'Submit an event (a FHIR message Bundle) as the authenticated partner',
    description:
      'The MessageHeader source.endpoint must be the authenticated partner. Checked like an AMQP submission, then queued to cstr.ingress. ' +
      'Idempotent on Bundle.id (the event id).',
  })
  @ApiConsumes(FHIR_JSON_CONTENT_TYPE, 'application/json')
  @ApiBody({ description: 'A FHIR R4 message Bundle (UK Core)', schema: { type: 'object' } })
  @ApiResponse({
    status: 202,
    description: 'Accepted: an OperationOutcome with an information issue naming the event id',
  })
  @ApiResponse({ status: 400, description: 'Not JSON, or not a Bundle' })
  @ApiResponse({
    status: 403,
    description: 'The Bundle claims another partner as its source, or this partner may not send this event type',
  })
  @ApiResponse({ status: 409, description: 'The event id was used before for a different Bundle' })
  @ApiResponse({ status: 413, description: 'Body larger than HTTP_BODY_LIMIT' })
  @ApiResponse({ status: 415, description: 'Not application/fhir+json or application/json' })
  @ApiResponse({ status: 422, description: 'The Bundle is not a valid event: the OperationOutcome lists every issue' })
  async processMessage(
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res() response: Response,
  ): Promise<void> {
    const partnerId = partnerSendingBundle(contentType, principal, 'Only partners submit events.');
    const submission = await this.service.submit(body, partnerId, principal.id);
    response.status(HttpStatus.ACCEPTED).type(FHIR_JSON_CONTENT_TYPE).json(submission.outcome);
  }
}

/**
 * The partner id of a request that carries a Bundle: refuses a body that is not JSON (415) and a
 * caller that is not a partner (403, with `notPartner` as the reason).
 */
export function partnerSendingBundle(
  contentType: string | undefined,
  principal: Principal,
  notPartner: string,
): string {
  if (!isJsonMediaType(contentType))
    throw new OperationOutcomeError(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      operationOutcome(
        'error',
        'not-supported',
        `Send the Bundle as ${FHIR_JSON_CONTENT_TYPE} (or application/json), not ${JSON.stringify(contentType ?? 'no content type')}.`,
      ),
    );
  if (principal.kind !== 'partner')
    throw new OperationOutcomeError(HttpStatus.FORBIDDEN, operationOutcome('error', 'forbidden', notPartner));
  return principal.partnerId;
}

export function isJsonMediaType(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return JSON_MEDIA_TYPES.includes(type) || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}
