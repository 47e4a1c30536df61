import { Controller, Get, HttpStatus, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import { selectorMatches, type Agreement, type Flow, type PartySelector } from '@cstr/policy';
import { HubPolicy } from '../core/hub-policy';
import { AuthGuard } from '../auth/auth.guard';
import { CurrentPrincipal, Roles } from '../auth/roles.decorator';
import type { Principal } from '../auth/roles';
import { onlyParams, type QueryParams } from './query-params';

/** An agreement as the API shows it: its terms, and whether it is in force today and for how long. */
export interface AgreementView {
  readonly id: string;
  readonly version: number;
  readonly title: string | null;
  readonly status: Agreement['status'];
  readonly period: Agreement['period'];
  /** Active and today within its period. */
  readonly inForce: boolean;
  /** Whole days from today to the end of the period (negative once past); null when open-ended. */
  readonly daysToExpiry: number | null;
  readonly legalBasis: Agreement['legalBasis'];
  readonly flows: readonly Flow[];
}

const DAY_MS = 86_400_000;

/** The view of `agreement` on the day `today` (`YYYY-MM-DD`). */
export function agreementView(agreement: Agreement, today: string): AgreementView {
  const started = agreement.period.start <= today;
  const ended = agreement.period.end !== undefined && agreement.period.end < today;
  return {
    id: agreement.id,
    version: agreement.version,
    title: agreement.title ?? null,
    status: agreement.status,
    period: agreement.period,
    inForce: agreement.status === 'active' && started && !ended,
    daysToExpiry:
      agreement.period.end === undefined
        ? null
        : Math.round((Date.parse(agreement.period.end) - Date.parse(today)) / DAY_MS),
    legalBasis: agreement.legalBasis,
    flows: agreement.flows,
  };
}

/** `GET /agreements`, `GET /agreements/{id}` (SPEC §7): the information-sharing agreements, their flows and expiry. */
@ApiTags('agreements')
@Controller('agreements')
@UseGuards(AuthGuard)
export class AgreementsController {
  constructor(@Inject(HubPolicy) private readonly policy: HubPolicy) {}

  @Get()
  @Roles('ig-auditor', 'operator', 'admin', 'partner')
  @ApiOperation({
    summary:
      'Every agreement (a partner sees those it is party to): flows, legal basis, status, period, days to expiry',
  })
  list(@Query() query: QueryParams, @CurrentPrincipal() principal: Principal): { agreements: AgreementView[] } {
    onlyParams(query, []);
    const today = new Date().toISOString().slice(0, 10);
    return {
      agreements: this.policy.agreements
        .filter((agreement) => this.mayRead(principal, agreement))
        .map((agreement) => agreementView(agreement, today)),
    };
  }

  @Get(':id')
  @Roles('ig-auditor', 'operator', 'admin', 'partner')
  @ApiOperation({ summary: 'One agreement' })
  @ApiParam({ name: 'id', description: 'The agreement id, e.g. cstr-south-london-mhtr' })
  get(@Param('id') id: string, @Query() query: QueryParams, @CurrentPrincipal() principal: Principal): AgreementView {
    onlyParams(query, []);
    const agreement = this.policy.agreement(id);
    // A partner is told the same about agreements it is not party to as about ones that do not exist.
    if (!agreement || !this.mayRead(principal, agreement)) {
      throw new OperationOutcomeError(
        HttpStatus.NOT_FOUND,
        operationOutcome('error', 'not-found', `No agreement ${JSON.stringify(id.slice(0, 100))} that you may read.`),
      );
    }
    return agreementView(agreement, new Date().toISOString().slice(0, 10));
  }

  /** Users read every agreement; a partner only those with a flow from or to it (by id or by kind). */
  private mayRead(principal: Principal, agreement: Agreement): boolean {
    if (principal.kind === 'user') return true;
    const partner = this.policy.partner(principal.partnerId);
    if (!partner) return false;
    const matches = (selector: PartySelector): boolean => selectorMatches(selector, partner);
    return agreement.flows.some((flow) => matches(flow.from) || matches(flow.to));
  }
}
