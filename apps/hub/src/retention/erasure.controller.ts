import { Body, Controller, HttpCode, HttpStatus, Inject, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { operationOutcome, operationOutcomeOf, OperationOutcomeError } from '@cstr/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { CurrentPrincipal, Roles } from '../auth/roles.decorator';
import type { Principal } from '../auth/roles';
import { PersonErasureError, PersonErasureService } from './person-erasure.service';

const STATUS: Readonly<Record<PersonErasureError['code'], number>> = {
  'person-not-found': HttpStatus.NOT_FOUND,
  'person-ambiguous': HttpStatus.CONFLICT,
  'reason-missing': HttpStatus.BAD_REQUEST,
  'identifier-invalid': HttpStatus.BAD_REQUEST,
};

/**
 * `POST /erasures` and `POST /rectifications` (admin): the operator's erasure or rectification of
 * a person's identifiers (README "Erasure and rectification"), as `npm run -s hub:erase-person`
 * does. The body names the person, never the URL (URLs reach access logs).
 */
@ApiTags('erasure')
@Controller()
@UseGuards(AuthGuard)
export class ErasureController {
  constructor(@Inject(PersonErasureService) private readonly erasure: PersonErasureService) {}

  @Post('erasures')
  @Roles('admin')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Erases a person ({ person: person id, system|value or identifier value, reason }): the person index entry, the person state, the pathway rows and the identifiers beside the audit chain; audited. Answers { personIds, identifiers, pathwayRows, auditRecords, auditSeq }',
  })
  async erase(
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{
    personIds: readonly string[];
    identifiers: number;
    pathwayRows: number;
    auditRecords: number;
    auditSeq: number;
  }> {
    const { person, reason } = fields(body, ['person', 'reason']);
    const outcome = await answer(() => this.erasure.erase(person, reason, principal.id));
    return {
      personIds: outcome.personIds,
      identifiers: outcome.identifiers,
      pathwayRows: outcome.pathwayRows,
      auditRecords: outcome.auditRecords,
      auditSeq: outcome.record.seq,
    };
  }

  @Post('rectifications')
  @Roles('admin')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Rectifies one identifier beside the audit records that name it ({ identifier: system|value, value, reason }); audited. Answers { auditRecords, auditSeq }',
  })
  async rectify(
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ): Promise<{ auditRecords: number; auditSeq: number }> {
    const { identifier, value, reason } = fields(body, ['identifier', 'value', 'reason']);
    const outcome = await answer(() => this.erasure.rectify(identifier, value, reason, principal.id));
    return { auditRecords: outcome.auditRecords, auditSeq: outcome.record.seq };
  }
}

/** The named text fields of a JSON body, or a 400 naming each missing one. */
function fields<K extends string>(body: unknown, names: readonly K[]): Record<K, string> {
  const object = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const missing = names.filter((name) => typeof object[name] !== 'string' || (object[name] as string).trim() === '');
  if (missing.length > 0)
    throw new OperationOutcomeError(
      HttpStatus.BAD_REQUEST,
      operationOutcomeOf(
        missing.map((name) => ({
          severity: 'error' as const,
          code: 'required' as const,
          diagnostics: `${name} is required (text).`,
          expression: [name],
        })),
      ),
    );
  return Object.fromEntries(names.map((name) => [name, object[name] as string])) as Record<K, string>;
}

async function answer<T>(act: () => Promise<T>): Promise<T> {
  try {
    return await act();
  } catch (error) {
    if (!(error instanceof PersonErasureError)) throw error;
    const code =
      error.code === 'person-not-found' ? 'not-found' : error.code === 'person-ambiguous' ? 'conflict' : 'invalid';
    throw new OperationOutcomeError(STATUS[error.code], operationOutcome('error', code, error.message));
  }
}
