import { Body, Controller, Headers, HttpCode, HttpStatus, Inject, Post, Res, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { FHIR_JSON_CONTENT_TYPE } from '@cstr/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { CurrentPrincipal, Roles } from '../auth/roles.decorator';
import type { Principal } from '../auth/roles';
import { partnerSendingBundle } from './process-message.controller';
import { ValidateService } from './validate.service';

/** `POST /fhir/Bundle/$validate`: a partner tests a message before sending it. */
@ApiTags('fhir')
@Controller('fhir/Bundle')
@UseGuards(AuthGuard)
export class ValidateController {
  constructor(@Inject(ValidateService) private readonly validation: ValidateService) {}

  @Post('$validate')
  @HttpCode(HttpStatus.OK)
  @Roles('partner')
  @ApiOperation({
    summary: "Check a message Bundle as the hub would, as the authenticated partner: the hub's whole OperationOutcome",
    description:
      'Runs every check of $process-message and of the ingress pipeline before delivery — the contract (envelope, event catalogue, ' +
      'your own source.endpoint), UK Core validation, the subject identifiers, the parties the hub cannot resolve — and answers 200 ' +
      'with an OperationOutcome listing every issue with its expression, whether or not the message is valid. ' +
      'Nothing is delivered, queued, stored or audited.',
  })
  @ApiConsumes(FHIR_JSON_CONTENT_TYPE, 'application/json')
  @ApiBody({ description: 'A FHIR R4 message Bundle (UK Core)', schema: { type: 'object' } })
  @ApiResponse({
    status: 200,
    description:
      'OperationOutcome: error issues (the hub would refuse the message), warnings (what it would not take from it), and a closing information issue',
  })
  @ApiResponse({ status: 400, description: 'Not JSON, or not a Bundle' })
  @ApiResponse({ status: 403, description: 'Not a partner' })
  @ApiResponse({ status: 413, description: 'Body larger than HTTP_BODY_LIMIT' })
  @ApiResponse({ status: 415, description: 'Not application/fhir+json or application/json' })
  validate(
    @Body() body: unknown,
    @Headers('content-type') contentType: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res() response: Response,
  ): void {
    const partnerId = partnerSendingBundle(contentType, principal, 'Only partners validate messages.');
    const outcome = this.validation.validate(body, partnerId);
    response.status(HttpStatus.OK).type(FHIR_JSON_CONTENT_TYPE).json(outcome);
  }
}
