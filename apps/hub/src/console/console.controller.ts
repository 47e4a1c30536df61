import { Controller, Get, HttpStatus, Inject, Param, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cstr/audit';
import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { Authenticator } from '../auth/authenticator';
import { CurrentPrincipal, Roles } from '../auth/roles.decorator';
import type { Principal, Role } from '../auth/roles';
import { badParam, onlyParams, type QueryParams } from '../http/query-params';
import { ConsoleAssets, CONSOLE_SECURITY_HEADERS } from './console-assets';

/** The roles the console is for; partners are refused. */
export const CONSOLE_ROLES: readonly Role[] = ['ig-auditor', 'operator', 'admin'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * `/console` (SPEC §7): the web console for IG leads and operators, served by the hub itself
 * (static files, no CDN). The pages hold no data: they call the hub's JSON endpoints with the
 * user's own HTTP Basic credentials, which the page keeps in `sessionStorage` (never in a URL).
 */
@ApiTags('console')
@Controller('console')
export class ConsoleController {
  constructor(
    @Inject(ConsoleAssets) private readonly assets: ConsoleAssets,
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  @Get()
  @ApiExcludeEndpoint()
  page(@Res() response: Response): void {
    this.send(response, 'index.html');
  }

  @Get('assets/:name')
  @ApiExcludeEndpoint()
  asset(@Param('name') name: string, @Res() response: Response): void {
    this.send(response, name);
  }

  /**
   * Who the credentials are, for the console's login: 200 `{ id, roles }` for a console user,
   * 403 for a partner. Unlike the API, a 401 here carries no `WWW-Authenticate`, so a browser
   * shows the console's own login form rather than its native prompt.
   */
  @Get('session')
  @ApiOperation({ summary: 'The console user of the credentials: { id, roles }; partners are refused (403)' })
  async session(@Req() request: Request, @Query() query: QueryParams): Promise<{ id: string; roles: readonly Role[] }> {
    onlyParams(query, []);
    const principal = await this.authenticator.authenticate(request.headers.authorization);
    if (!principal.roles.some((role) => CONSOLE_ROLES.includes(role))) {
      throw new OperationOutcomeError(
        HttpStatus.FORBIDDEN,
        operationOutcome(
          'error',
          'forbidden',
          'The console is for IG leads, operators and administrators; partner systems use the API.',
        ),
      );
    }
    return { id: principal.id, roles: principal.roles };
  }

  /**
   * What the hub decided for one event, for an operator following a replayed dead letter:
   * recipients and outcomes only (no person data). Audited as a read.
   */
  @Get('events/:eventId/decisions')
  @UseGuards(AuthGuard)
  @Roles('ig-auditor', 'operator', 'admin')
  @ApiOperation({
    summary: "An event's delivery decisions: { eventId, decisions: [{ recipient, outcome, rule, recordedAt }] }",
  })
  @ApiParam({ name: 'eventId', description: 'The event id (UUID)' })
  async decisions(
    @Param('eventId') eventId: string,
    @Query() query: QueryParams,
    @CurrentPrincipal() principal: Principal,
  ): Promise<unknown> {
    onlyParams(query, []);
    if (!UUID.test(eventId)) throw badParam('eventId', 'The event id is a UUID.');
    return this.dataSource.transaction(async (manager) => {
      const rows = (await manager.query(
        `SELECT recipient, outcome, refusing_rule, recorded_at FROM audit_record
         WHERE event_id = $1 AND kind = 'decision' ORDER BY seq`,
        [eventId.toLowerCase()],
      )) as { recipient: string | null; outcome: string; refusing_rule: string | null; recorded_at: Date }[];
      await this.audit.recordRead(manager, principal.id, {
        description: `GET /console/events/${eventId}/decisions (${rows.length} decisions)`,
      });
      return {
        eventId,
        decisions: rows.map((row) => ({
          recipient: row.recipient,
          outcome: row.outcome,
          rule: row.refusing_rule,
          recordedAt: row.recorded_at.toISOString(),
        })),
      };
    });
  }

  private send(response: Response, name: string): void {
    const asset = this.assets.get(name);
    if (!asset)
      throw new OperationOutcomeError(
        HttpStatus.NOT_FOUND,
        operationOutcome('error', 'not-found', 'No such console file.'),
      );
    for (const [header, value] of Object.entries(CONSOLE_SECURITY_HEADERS)) response.setHeader(header, value);
    response.status(HttpStatus.OK).type(asset.contentType).send(asset.body);
  }
}
