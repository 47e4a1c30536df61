import { Controller, Get, HttpStatus, Inject, Query, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Bundle, BundleLink } from 'fhir/r4';
import { DataSource } from 'typeorm';
import {
  AuditChainHeadError,
  AuditLog,
  toAuditEvent,
  type AuditPersonFilter,
  type AuditSearchFilter,
  type AuditOutcome,
  type AuditKind,
} from '@cstr/audit';
import { FHIR_JSON_CONTENT_TYPE, OperationOutcomeError } from '@cstr/contracts';
import { IDENTIFIER_SYSTEMS, parseIdentifier } from '@cstr/identity';
import { AuthGuard } from '../auth/auth.guard';
import { CurrentPrincipal, Roles } from '../auth/roles.decorator';
import type { Principal } from '../auth/roles';
import { intParam, onlyParams, textParam, type QueryParams } from './query-params';

const SEARCH_PARAMS = [
  'person',
  'partner',
  'event',
  'outcome',
  'kind',
  'from',
  'to',
  'limit',
  'after',
  'order',
] as const;
const DEFAULT_LIMIT = 100;

/**
 * The audit (SPEC §6, §7): search as a FHIR searchset Bundle of UKCore-AuditEvent, chain
 * verification, and flow counts. Every read is itself audited (`kind: read`, the reader's id).
 */
@ApiTags('audit')
@Controller('audit')
@UseGuards(AuthGuard)
export class AuditController {
  constructor(
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(DataSource) private readonly dataSource: DataSource,
  ) {}

  @Get()
  @Roles('ig-auditor', 'admin')
  @ApiOperation({
    summary: 'Search the audit: a FHIR searchset Bundle of UKCore-AuditEvent, newest first',
    description: 'Keyset-paginated: follow the Bundle link with relation "next". The read is recorded in the audit.',
  })
  @ApiQuery({
    name: 'person',
    required: false,
    description: 'An identifier: `system|value` or a bare value (NHS number, CRN, PNC…)',
  })
  @ApiQuery({ name: 'partner', required: false, description: 'Partner id, as sender or recipient' })
  @ApiQuery({ name: 'event', required: false, description: 'Event type, e.g. treatment.appointment.missed' })
  @ApiQuery({
    name: 'outcome',
    required: false,
    enum: ['delivered', 'refused', 'read', 'dead-lettered', 'kept', 'performed'],
  })
  @ApiQuery({
    name: 'kind',
    required: false,
    enum: ['decision', 'read', 'refusal-at-ingress', 'dead-letter', 'kept-by-hub', 'operator-action'],
  })
  @ApiQuery({ name: 'from', required: false, description: 'ISO 8601, inclusive' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO 8601, exclusive' })
  @ApiQuery({ name: 'limit', required: false, description: `1-1000, default ${DEFAULT_LIMIT}` })
  @ApiQuery({ name: 'after', required: false, description: 'The cursor of the next link' })
  @ApiQuery({ name: 'order', required: false, enum: ['newest-first', 'oldest-first'] })
  @ApiResponse({ status: 200, description: 'searchset Bundle' })
  @ApiResponse({ status: 400, description: 'A bad parameter (OperationOutcome)' })
  async search(
    @Query() query: QueryParams,
    @CurrentPrincipal() principal: Principal,
    @Res() response: Response,
  ): Promise<void> {
    onlyParams(query, SEARCH_PARAMS);
    const person = parsePerson(textParam(query, 'person'));
    const filter: AuditSearchFilter = {
      ...(person !== undefined ? { person } : {}),
      ...defined('partner', textParam(query, 'partner')),
      ...defined('eventType', textParam(query, 'event')),
      ...defined('outcome', textParam(query, 'outcome') as AuditOutcome | undefined),
      ...defined('kind', textParam(query, 'kind') as AuditKind | undefined),
      ...defined('from', textParam(query, 'from')),
      ...defined('to', textParam(query, 'to')),
    };
    const limit = intParam(query, 'limit', 1, 1000, DEFAULT_LIMIT);
    const after = textParam(query, 'after');
    const order = textParam(query, 'order') as 'newest-first' | 'oldest-first' | undefined;
    const page = await this.dataSource.transaction(async (manager) => {
      const result = await this.audit.search(
        filter,
        { limit, ...(after !== undefined ? { after } : {}), ...(order ? { order } : {}) },
        manager,
      );
      if (!result.ok) throw new OperationOutcomeError(HttpStatus.BAD_REQUEST, result.outcome);
      await this.audit.recordRead(manager, principal.id, {
        description: `GET /audit (${describeFilter(filter)}; ${result.records.length} records)`,
        ...(person !== undefined ? { personIdentifiers: readIdentifiers(person) } : {}),
      });
      return result;
    });
    const self = new URLSearchParams(query as Record<string, string>);
    const link: BundleLink[] = [{ relation: 'self', url: `/audit?${self.toString()}` }];
    if (page.next) {
      self.set('after', page.next);
      link.push({ relation: 'next', url: `/audit?${self.toString()}` });
    }
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      timestamp: new Date().toISOString(),
      link,
      entry: page.records.map((record) => {
        const resource = toAuditEvent(record);
        return { fullUrl: `AuditEvent/${resource.id}`, resource, search: { mode: 'match' } };
      }),
    };
    response.status(HttpStatus.OK).type(FHIR_JSON_CONTENT_TYPE).json(bundle);
  }

  @Get('verify')
  @Roles('ig-auditor', 'admin')
  @ApiOperation({ summary: 'Recompute the hash chain: { ok, checked, headSeq, firstBroken? { seq, reason, detail } }' })
  async verify(@Query() query: QueryParams, @CurrentPrincipal() principal: Principal): Promise<unknown> {
    onlyParams(query, []);
    const verification = await this.audit.verify();
    try {
      await this.audit.recordRead(this.dataSource.manager, principal.id, {
        description: `GET /audit/verify (${verification.ok ? 'intact' : `broken at ${verification.firstBroken?.seq}`})`,
      });
    } catch (error) {
      // A head moved without the key takes no record (an alert is raised): the auditor still
      // gets the answer that shows it — it holds no personal data.
      if (!(error instanceof AuditChainHeadError)) throw error;
      return { ...verification, verifiedAt: new Date().toISOString(), readRecorded: false };
    }
    return { ...verification, verifiedAt: new Date().toISOString() };
  }

  @Get('flows')
  @Roles('ig-auditor', 'operator', 'admin')
  @ApiOperation({
    summary:
      'Counts per sender → recipient → event type over a period, delivered and refused: { from, to, flows: [...] }',
  })
  @ApiQuery({ name: 'from', required: false, description: 'ISO 8601, inclusive' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO 8601, exclusive' })
  async flows(@Query() query: QueryParams, @CurrentPrincipal() principal: Principal): Promise<unknown> {
    onlyParams(query, ['from', 'to']);
    const from = textParam(query, 'from');
    const to = textParam(query, 'to');
    return this.dataSource.transaction(async (manager) => {
      const result = await this.audit.flows({ ...defined('from', from), ...defined('to', to) }, manager);
      if (!result.ok) throw new OperationOutcomeError(HttpStatus.BAD_REQUEST, result.outcome);
      await this.audit.recordRead(manager, principal.id, {
        description: `GET /audit/flows (from ${from ?? 'the start'} to ${to ?? 'now'})`,
      });
      return { from: from ?? null, to: to ?? null, flows: result.flows };
    });
  }
}

/** `system|value` as an identifier; a bare value as is; empty as absent. */
function parsePerson(text: string | undefined): AuditPersonFilter | undefined {
  if (text === undefined || text === '') return undefined;
  const bar = text.lastIndexOf('|');
  return bar > 0 ? { system: text.slice(0, bar), value: text.slice(bar + 1) } : text;
}

/**
 * The identifiers a person search was about, for the read record (so the read shows on that
 * person's timeline): as given, or a bare value under every system it is valid for.
 */
function readIdentifiers(person: AuditPersonFilter): { system: string; value: string }[] {
  if (typeof person === 'object') return person.system.trim() && person.value.trim() ? [person] : [];
  return Object.values(IDENTIFIER_SYSTEMS).flatMap((system) => {
    const parsed = parseIdentifier(system, person);
    return parsed.ok ? [{ system, value: parsed.value }] : [];
  });
}

function defined<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined || value === '' ? {} : ({ [key]: value } as Record<K, V>);
}

/** The filters of a search for the read record, without the person's identifier (kept apart, structured). */
function describeFilter(filter: AuditSearchFilter): string {
  const parts = Object.entries(filter)
    .filter(([name]) => name !== 'person')
    .map(([name, value]) => `${name}=${String(value).slice(0, 80)}`);
  if (filter.person !== undefined) parts.unshift('person');
  return parts.length > 0 ? `filters: ${parts.join(', ')}` : 'no filters';
}
