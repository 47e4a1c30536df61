import { Controller, Get, HttpStatus, Inject, Param, Query, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthGuard } from '../auth/auth.guard';
import { CurrentPrincipal, Roles } from '../auth/roles.decorator';
import type { Principal } from '../auth/roles';
import { badParam, onlyParams, textParam, type QueryParams } from '../http/query-params';
import type { PersonReference } from '../pathway/timeline.service';
import { SUBJECT_ACCESS_FORMATS, SUBJECT_ACCESS_ROLE, type SubjectAccessFormat } from './subject-access.document';
import { SubjectAccessService } from './subject-access.service';

function isFormat(value: string): value is SubjectAccessFormat {
  return (SUBJECT_ACCESS_FORMATS as readonly string[]).includes(value);
}

/** `identifier` as `system|value`, or a value with `?system=`, or a bare value (as the timeline reads it). */
function personReference(identifier: string, system: string | undefined): PersonReference {
  const bar = identifier.lastIndexOf('|');
  return system === undefined && bar > 0
    ? { system: identifier.slice(0, bar), value: identifier.slice(bar + 1) }
    : { value: identifier, ...(system !== undefined ? { system } : {}) };
}

/**
 * `GET /people/{identifier}/subject-access?format=pdf|csv|json`: the subject access export of
 * one person (UK GDPR Art. 15), for IG leads only. Each export is audited.
 */
@ApiTags('people')
@Controller('people')
@UseGuards(AuthGuard)
export class SubjectAccessController {
  constructor(@Inject(SubjectAccessService) private readonly exports: SubjectAccessService) {}

  @Get(':identifier/subject-access')
  @Roles(SUBJECT_ACCESS_ROLE)
  @ApiOperation({
    summary:
      'Subject access export: every disclosure and refusal about one person (when, from whom, to whom, which event, agreement, flow, legal basis, what was withheld in words) and their consents',
    description:
      'A download (`Content-Disposition: attachment`): PDF for the person, CSV (header row `record,when,from,to,event_type,event_id,agreement,agreement_version,flow,legal_basis,withheld,consent,rule,reason`) or JSON `{ title, person, period, generatedAt, generatedBy, disclosures, consentEvents, consents, truncated }`. Withheld elements are named in words, never by their values or codes. The export is recorded in the audit (a `read` by the user, `subject-access-export`, with the format and the hub person id).',
  })
  @ApiParam({
    name: 'identifier',
    description:
      'NHS number, CRN, PNC ID, CRO number or Common Platform defendant id: a bare value, or `system|value` (URL-encoded)',
  })
  @ApiQuery({ name: 'format', required: false, enum: [...SUBJECT_ACCESS_FORMATS], description: 'Default json' })
  @ApiQuery({
    name: 'system',
    required: false,
    description:
      'The identifier system of a bare value: a URI or nhs-number, crn, pnc-id, cro-number, common-platform-defendant-id',
  })
  @ApiResponse({
    status: 200,
    description: 'The export, as a download (Content-Disposition: attachment)',
    content: {
      'application/pdf': { schema: { type: 'string', format: 'binary' } },
      'text/csv': { schema: { type: 'string' } },
      'application/json': { schema: { type: 'object' } },
    },
  })
  @ApiResponse({ status: 400, description: 'Not a valid identifier or format (OperationOutcome)' })
  @ApiResponse({ status: 404, description: 'No person holds it (OperationOutcome)' })
  @ApiResponse({
    status: 409,
    description: 'A bare value valid as two kinds names two persons: give the system (OperationOutcome)',
  })
  async subjectAccess(
    @Param('identifier') identifier: string,
    @Query() query: QueryParams,
    @CurrentPrincipal() principal: Principal,
    @Res() response: Response,
  ): Promise<void> {
    onlyParams(query, ['format', 'system']);
    const format = textParam(query, 'format') ?? 'json';
    if (!isFormat(format)) throw badParam('format', `format must be one of ${SUBJECT_ACCESS_FORMATS.join(', ')}.`);
    const made = await this.exports.export(
      personReference(identifier, textParam(query, 'system')),
      principal.id,
      format,
    );
    response
      .status(HttpStatus.OK)
      .setHeader('Cache-Control', 'no-store')
      .setHeader('Content-Type', made.contentType)
      .setHeader('Content-Disposition', `attachment; filename="${made.fileName}"`)
      .send(made.body);
  }
}
