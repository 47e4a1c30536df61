import { Controller, Get, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuthGuard } from '../auth/auth.guard';
import { CurrentPrincipal, Roles } from '../auth/roles.decorator';
import type { Principal } from '../auth/roles';
import { onlyParams, textParam, type QueryParams } from '../http/query-params';
import { TimelineService, type Timeline } from './timeline.service';

/**
 * `GET /people/{identifier}/timeline` (SPEC §7): one person's pathway. For the IG role and
 * admins only: it shows who received what about a person; operators run the plumbing and see no
 * personal data anywhere else either. Every read is audited against the person.
 */
@ApiTags('people')
@Controller('people')
@UseGuards(AuthGuard)
export class TimelineController {
  constructor(@Inject(TimelineService) private readonly timelines: TimelineService) {}

  @Get(':identifier/timeline')
  @Roles('ig-auditor', 'admin')
  @ApiOperation({
    summary:
      "One person's pathway: every accepted event, delivery and refusal (agreement, flow, rule), and every deadline (opened, met, missed, cancelled), in order",
    description:
      'JSON `{ person: { identifiers }, generatedAt, entries: [...], deadlines: [...], truncated }`. Entry kinds: `event`, `delivery`, `refusal`, `refusal-at-ingress`, `dead-letter`, `read`, `deadline-opened`, `deadline-met`, `deadline-missed`, `deadline-replaced`, `deadline-cancelled` (with its `reason`: the requirement ended). The read is recorded in the audit.',
  })
  @ApiParam({
    name: 'identifier',
    description:
      'NHS number, CRN, PNC ID, CRO number or Common Platform defendant id: a bare value, or `system|value` (URL-encoded)',
  })
  @ApiQuery({
    name: 'system',
    required: false,
    description:
      'The identifier system of a bare value: a URI or nhs-number, crn, pnc-id, cro-number, common-platform-defendant-id',
  })
  @ApiResponse({ status: 200, description: 'The timeline' })
  @ApiResponse({ status: 400, description: 'Not a valid identifier (OperationOutcome)' })
  @ApiResponse({ status: 404, description: 'No person holds it (OperationOutcome)' })
  @ApiResponse({
    status: 409,
    description: 'A bare value valid as two kinds names two persons: give the system (OperationOutcome)',
  })
  async timeline(
    @Param('identifier') identifier: string,
    @Query() query: QueryParams,
    @CurrentPrincipal() principal: Principal,
  ): Promise<Timeline> {
    onlyParams(query, ['system']);
    const system = textParam(query, 'system');
    const bar = identifier.lastIndexOf('|');
    const reference =
      system === undefined && bar > 0
        ? { system: identifier.slice(0, bar), value: identifier.slice(bar + 1) }
        : { value: identifier, ...(system !== undefined ? { system } : {}) };
    return this.timelines.timeline(reference, principal.id);
  }
}
