import { Controller, Delete, Get, Param, Query } from '@nestjs/common';
import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import { ReceivedLog, type ReceivedRecord } from './received-log';
import { isSandboxKind, SANDBOX_KINDS, type SandboxKind } from './sandbox-kind';

function kindOf(value: string): SandboxKind {
  if (!isSandboxKind(value))
    throw new OperationOutcomeError(
      404,
      operationOutcome('error', 'not-found', `No stand-in ${value}; known: ${SANDBOX_KINDS.join(', ')}`),
    );
  return value;
}

function optionalText(value: unknown, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string')
    throw new OperationOutcomeError(400, operationOutcome('error', 'value', `${name} must be given once`, [name]));
  return value;
}

/** `GET|DELETE /sandbox/{kind}/received`: what each stand-in received and sent, for tests and people. */
@Controller('sandbox/:kind/received')
export class ReceivedController {
  constructor(private readonly log: ReceivedLog) {}

  /** Newest last; `identifier` keeps records mentioning that person identifier, `partner` those of one partner. */
  @Get()
  list(
    @Param('kind') kind: string,
    @Query('identifier') identifier: unknown,
    @Query('partner') partner: unknown,
  ): { records: ReceivedRecord[] } {
    return {
      records: this.log.list(kindOf(kind), {
        identifier: optionalText(identifier, 'identifier'),
        partnerId: optionalText(partner, 'partner'),
      }),
    };
  }

  /** Forgets the records (of one partner with `?partner=`), e.g. between tests. */
  @Delete()
  clear(@Param('kind') kind: string, @Query('partner') partner: unknown): { removed: number } {
    return { removed: this.log.clear(kindOf(kind), optionalText(partner, 'partner')) };
  }
}
