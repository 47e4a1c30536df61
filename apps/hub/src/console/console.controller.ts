import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Logger,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cstr/audit';
import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { ConsoleSessions, type ConsoleSessionView } from '../auth/console-sessions';
import { CurrentPrincipal, Roles } from '../auth/roles.decorator';
import type { Principal } from '../auth/roles';
import { badParam, onlyParams, type QueryParams } from '../http/query-params';
import { ConsoleAssets, CONSOLE_SECURITY_HEADERS } from './console-assets';

export { CONSOLE_ROLES } from '../auth/console-sessions';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_CREDENTIAL_LENGTH = 1024;

/**
 * `/console` (SPEC §7): the web console for IG leads and operators, served by the hub itself
 * (static files, no CDN). The pages hold no data: they call the hub's JSON endpoints with the
 * session cookie of a sign-in (`POST /console/session`), never with the user's secret.
 */
@ApiTags('console')
@Controller('console')
export class ConsoleController {
  private readonly logger = new Logger(ConsoleController.name);

  constructor(
    @Inject(ConsoleAssets) private readonly assets: ConsoleAssets,
    @Inject(ConsoleSessions) private readonly sessions: ConsoleSessions,
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
   * Sign-in: exchanges a console user's id and secret (JSON or form body `{ id, secret }`) for a
   * session cookie (HttpOnly, SameSite=Strict, Secure per CONSOLE_COOKIE_SECURE). 200 with
   * `{ id, roles, csrfToken, idleTimeoutSeconds }`; 400 without both fields; 401 wrong
   * credentials (never `WWW-Authenticate`); 403 for a partner or from another origin; 429 after
   * too many failures of the id or the address; 503 when too many logins are being checked.
   */
  @Post('session')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Console sign-in: { id, secret } for a session cookie; answers { id, roles, csrfToken }' })
  async signIn(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @Body() body: unknown,
    @Query() query: QueryParams,
  ): Promise<ConsoleSessionView> {
    onlyParams(query, []);
    const { id, secret } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (
      typeof id !== 'string' ||
      typeof secret !== 'string' ||
      id.trim() === '' ||
      secret === '' ||
      id.length > MAX_CREDENTIAL_LENGTH ||
      secret.length > MAX_CREDENTIAL_LENGTH
    ) {
      throw new OperationOutcomeError(
        HttpStatus.BAD_REQUEST,
        operationOutcome('error', 'required', 'Give your user id and secret (`id` and `secret`).'),
      );
    }
    response.setHeader('Cache-Control', 'no-store');
    const view = await this.sessions.signIn(request, response, id.trim(), secret);
    this.logger.log(`Console sign-in: ${view.id}`);
    return view;
  }

  /**
   * The console user of the session cookie: 200 `{ id, roles, csrfToken, idleTimeoutSeconds }`,
   * 401 without a live session (no `WWW-Authenticate`, so a browser shows the console's own form).
   */
  @Get('session')
  @ApiOperation({ summary: 'The console session: { id, roles, csrfToken, idleTimeoutSeconds }; 401 when none' })
  async session(
    @Req() request: Request,
    @Query() query: QueryParams,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ConsoleSessionView> {
    onlyParams(query, []);
    response.setHeader('Cache-Control', 'no-store');
    return this.sessions.current(request);
  }

  /** Sign-out: ends the session server-side and removes the cookie (CSRF token and same origin required). 204. */
  @Delete('session')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ summary: 'Console sign-out: the session ends server-side (needs X-CSRF-Token)' })
  async signOut(
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
    @Query() query: QueryParams,
  ): Promise<void> {
    onlyParams(query, []);
    await this.sessions.signOut(request, response);
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
