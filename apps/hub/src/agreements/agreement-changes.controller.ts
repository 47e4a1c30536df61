import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Param,
  ParseIntPipe,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import type { AgreementDifference } from '@cstr/policy';
import { AuthGuard } from '../auth/auth.guard';
import { CurrentPrincipal, Roles } from '../auth/roles.decorator';
import type { Principal } from '../auth/roles';
import { agreementView, type AgreementView } from '../http/agreements.controller';
import { onlyParams, textParam, type QueryParams } from '../http/query-params';
import { VERSION_STATES, type VersionState } from './agreement-change.rules';
import { AgreementChanges, type ProposalImpact } from './agreement-changes.service';
import type { StoredVersion } from './agreement.store';

/** The longest YAML a proposal may carry (the largest shipped agreement is a tenth of it). */
const MAX_PROPOSAL_CHARS = 200_000;
const MAX_NOTE_CHARS = 2_000;

/** A stored version as IG leads see it: its terms, its history and the YAML it came from. */
export interface VersionView {
  readonly id: string;
  readonly version: number;
  readonly state: VersionState;
  readonly origin: 'import' | 'proposal';
  readonly file: string | null;
  readonly proposedBy: string;
  readonly proposedAt: string;
  readonly note: string | null;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly decisionNote: string | null;
  readonly effectiveAt: string | null;
  readonly supersededAt: string | null;
  readonly agreement: AgreementView;
  readonly yaml: string;
}

/** A version with its differences from the version in force. */
export type VersionWithDiff = VersionView & {
  readonly diff: { readonly against: number | null; readonly differences: readonly AgreementDifference[] };
};

function iso(date: Date | null): string | null {
  return date ? date.toISOString() : null;
}

/** The view of a stored version. */
export function versionView(stored: StoredVersion, today: string): VersionView {
  return {
    id: stored.agreementId,
    version: stored.version,
    state: stored.state,
    origin: stored.origin,
    file: stored.originFile,
    proposedBy: stored.proposedBy,
    proposedAt: stored.proposedAt.toISOString(),
    note: stored.note,
    decidedBy: stored.decidedBy,
    decidedAt: iso(stored.decidedAt),
    decisionNote: stored.decisionNote,
    effectiveAt: iso(stored.effectiveAt),
    supersededAt: iso(stored.supersededAt),
    agreement: agreementView(stored.agreement, today),
    yaml: stored.sourceText,
  };
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** A text field of a JSON body: required or optional, bounded. */
function bodyText(body: unknown, name: string, max: number, required: boolean): string | undefined {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || (required && value.trim() === '') || value.length > max)
    throw new OperationOutcomeError(
      HttpStatus.BAD_REQUEST,
      operationOutcome(
        'error',
        'invalid',
        `${name} must be ${required ? 'non-empty ' : ''}text of at most ${max} characters.`,
        [name],
      ),
    );
  return value.trim() === '' ? undefined : value;
}

/**
 * Agreement change control (issue 14): the versions of every agreement, proposals (YAML of the
 * import format), their differences from the version in force and their impact on the last 30
 * days of decisions, and approval by a second IG lead or rejection. Errors are OperationOutcomes.
 */
@ApiTags('agreements')
@Controller()
@UseGuards(AuthGuard)
export class AgreementChangesController {
  constructor(@Inject(AgreementChanges) private readonly changes: AgreementChanges) {}

  @Get('agreement-versions')
  @Roles('ig-auditor', 'admin')
  @ApiOperation({ summary: 'Every stored version of every agreement (state: proposed, approved, in-force, …)' })
  @ApiQuery({ name: 'state', required: false, enum: VERSION_STATES })
  async list(@Query() query: QueryParams): Promise<{ versions: VersionView[] }> {
    onlyParams(query, ['state']);
    const state = textParam(query, 'state');
    if (state !== undefined && !(VERSION_STATES as readonly string[]).includes(state))
      throw new OperationOutcomeError(
        HttpStatus.BAD_REQUEST,
        operationOutcome('error', 'value', `state must be one of ${VERSION_STATES.join(', ')}.`, ['state']),
      );
    const versions = await this.changes.versions();
    return {
      versions: versions.filter((each) => !state || each.state === state).map((each) => versionView(each, today())),
    };
  }

  @Get('agreements/:id/versions')
  @Roles('ig-auditor', 'admin')
  @ApiOperation({ summary: 'Every stored version of one agreement, newest first' })
  @ApiParam({ name: 'id', description: 'The agreement id' })
  async versionsOf(@Param('id') id: string, @Query() query: QueryParams): Promise<{ versions: VersionView[] }> {
    onlyParams(query, []);
    return { versions: (await this.changes.versions(id)).map((each) => versionView(each, today())) };
  }

  @Get('agreements/:id/versions/:version')
  @Roles('ig-auditor', 'admin')
  @ApiOperation({ summary: 'One version, with its differences from the version in force' })
  @ApiResponse({ status: 404, description: 'No such version' })
  async one(
    @Param('id') id: string,
    @Param('version', ParseIntPipe) version: number,
    @Query() query: QueryParams,
  ): Promise<VersionWithDiff> {
    onlyParams(query, []);
    return this.withDiff(await this.changes.versionOrThrow(id, version));
  }

  @Get('agreements/:id/versions/:version/impact')
  @Roles('ig-auditor', 'admin')
  @ApiOperation({
    summary:
      'The last 30 days of decisions re-evaluated under this version against the one in force: disclosures and elements gained and lost per flow and recipient (counts only; the read is audited)',
  })
  @ApiResponse({ status: 404, description: 'No such version' })
  async impact(
    @Param('id') id: string,
    @Param('version', ParseIntPipe) version: number,
    @Query() query: QueryParams,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ProposalImpact> {
    onlyParams(query, []);
    return this.changes.impact(await this.changes.versionOrThrow(id, version), principal.id);
  }

  @Post('agreements/:id/versions')
  @HttpCode(HttpStatus.CREATED)
  @Roles('ig-auditor')
  @ApiOperation({
    summary:
      'Propose a new version (an IG lead): { yaml, note? } in the import format of config/agreements; it takes effect only once a second IG lead approves it',
  })
  @ApiBody({
    schema: { type: 'object', required: ['yaml'], properties: { yaml: { type: 'string' }, note: { type: 'string' } } },
  })
  @ApiResponse({ status: 409, description: 'The version number is taken, or another proposal waits' })
  async propose(
    @Param('id') id: string,
    @Body() body: unknown,
    @Query() query: QueryParams,
    @CurrentPrincipal() principal: Principal,
  ): Promise<VersionWithDiff> {
    onlyParams(query, []);
    const yaml = bodyText(body, 'yaml', MAX_PROPOSAL_CHARS, true) as string;
    const note = bodyText(body, 'note', MAX_NOTE_CHARS, false);
    const agreement = this.changes.parse(yaml);
    if (agreement.id !== id)
      throw new OperationOutcomeError(
        HttpStatus.BAD_REQUEST,
        operationOutcome('error', 'invalid', `The YAML is agreement ${agreement.id}, not ${id.slice(0, 100)}.`, ['id']),
      );
    return this.withDiff(await this.changes.propose(principal.id, yaml, note));
  }

  @Post('agreements/:id/versions/:version/approve')
  @HttpCode(HttpStatus.OK)
  @Roles('ig-auditor')
  @ApiOperation({
    summary:
      'Approve a proposal ({ note? }): a second IG lead, never its proposer; in force at once, or on its start date',
  })
  @ApiResponse({ status: 409, description: 'Not a proposal any more' })
  async approve(
    @Param('id') id: string,
    @Param('version', ParseIntPipe) version: number,
    @Body() body: unknown,
    @Query() query: QueryParams,
    @CurrentPrincipal() principal: Principal,
  ): Promise<VersionView> {
    onlyParams(query, []);
    const note = bodyText(body, 'note', MAX_NOTE_CHARS, false);
    return versionView(await this.changes.approve(principal.id, id, version, note), today());
  }

  @Post('agreements/:id/versions/:version/reject')
  @HttpCode(HttpStatus.OK)
  @Roles('ig-auditor')
  @ApiOperation({ summary: 'Reject a proposal ({ note? }); it never takes effect' })
  @ApiResponse({ status: 409, description: 'Not a proposal any more' })
  async reject(
    @Param('id') id: string,
    @Param('version', ParseIntPipe) version: number,
    @Body() body: unknown,
    @Query() query: QueryParams,
    @CurrentPrincipal() principal: Principal,
  ): Promise<VersionView> {
    onlyParams(query, []);
    const note = bodyText(body, 'note', MAX_NOTE_CHARS, false);
    return versionView(await this.changes.reject(principal.id, id, version, note), today());
  }

  private async withDiff(stored: StoredVersion): Promise<VersionWithDiff> {
    return { ...versionView(stored, today()), diff: await this.changes.diff(stored) };
  }
}
