import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  OperationOutcomeError,
  operationOutcome,
  operationOutcomeOf,
  type OperationOutcomeIssue,
} from '@cstr/contracts';
import type { Partner } from '@cstr/policy';
import { FaultControl, parseFaults, type Faults } from '../shared/fault-control';
import { StandInTokenGuard } from '../oauth/stand-in-token.guard';
import { publicBaseUrl } from '../shared/public-url';
import { ReceivedLog } from '../shared/received-log';
import { SandboxPartners } from '../shared/sandbox-partners';
import { SANDBOX_SETTINGS, type SandboxSettings } from '../shared/sandbox-settings';
import { capabilityStatement } from './capability-statement';
import {
  invalidParams,
  searchParamsOf,
  unsupportedParams,
  type SearchParams,
  type StoredResource,
} from './fhir-search';
import { FHIR_RESOURCE_TYPES, FhirStore } from './fhir-store';
import { parseCriteria, SubscriptionNotifier } from './subscription-notifier';

const FHIR_JSON = 'application/fhir+json';
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(status: number, code: OperationOutcomeIssue['code'], diagnostics: string, expression?: string[]): never {
  throw new OperationOutcomeError(status, operationOutcome('error', code, diagnostics, expression));
}

/** Whether the partner's server supports rest-hook Subscriptions (`subscriptions: false` in partners.yaml turns them off). */
export function supportsSubscriptions(partner: Partner): boolean {
  return partner.adapter?.subscriptions !== false;
}

/**
 * The FHIR R4 server stand-in of each treatment provider, at `/sandbox/fhir/{partnerId}`:
 * metadata, create (conditional with If-None-Exist), read, update, search, rest-hook Subscriptions.
 */
@Controller('sandbox/fhir/:partnerId')
@UseGuards(StandInTokenGuard)
export class FhirController {
  constructor(
    private readonly partners: SandboxPartners,
    private readonly store: FhirStore,
    private readonly notifier: SubscriptionNotifier,
    private readonly faults: FaultControl,
    private readonly log: ReceivedLog,
    @Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings,
  ) {}

  /** `GET control`: the current fault settings. */
  @Get('control')
  control(@Param('partnerId') partnerId: string): Faults {
    this.partners.require('fhir', partnerId);
    return this.faults.get(partnerId);
  }

  /** `POST control { failWith, delayMs }`: makes the FHIR API fail and/or slow. */
  @Post('control')
  @HttpCode(200)
  setControl(@Param('partnerId') partnerId: string, @Body() body: unknown): Faults {
    this.partners.require('fhir', partnerId);
    const faults = parseFaults(body);
    if (typeof faults === 'string') fail(400, 'value', faults);
    return this.faults.set(partnerId, faults);
  }

  /** `GET metadata`: the CapabilityStatement. */
  @Get('metadata')
  async metadata(
    @Param('partnerId') partnerId: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const partner = await this.enter(partnerId);
    response
      .type(FHIR_JSON)
      .json(capabilityStatement(this.baseUrl(request, partnerId), partner.name, supportsSubscriptions(partner)));
  }

  /** `POST {type}`: create; with `If-None-Exist`, 200 and the existing resource when exactly one matches. */
  @Post(':type')
  async create(
    @Param('partnerId') partnerId: string,
    @Param('type') type: string,
    @Body() body: unknown,
    @Headers('if-none-exist') ifNoneExist: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const partner = await this.enter(partnerId);
    await this.recorded(partnerId, request, body, async () => {
      this.checkType(partner, type);
      const resource = this.checkBody(type, body);
      if (ifNoneExist !== undefined) {
        const criteria = searchParamsOf(ifNoneExist);
        this.checkSearch(criteria);
        const existing = this.store.search(partnerId, type, criteria);
        if (existing.length > 1) fail(412, 'processing', `If-None-Exist matched ${existing.length} resources`);
        if (existing.length === 1) {
          this.send(response, 200, existing[0], request, partnerId);
          return { status: 200 };
        }
      }
      const created = this.store.create(
        partnerId,
        type === 'Subscription' ? { ...resource, status: 'active' } : resource,
      );
      this.send(response, 201, created, request, partnerId);
      return {
        status: 201,
        afterwards: () => this.notifier.notify(partnerId, created, true, this.fullUrl(request, partnerId, created)),
      };
    });
  }

  /** `GET {type}?…`: a searchset Bundle. */
  @Get(':type')
  async search(
    @Param('partnerId') partnerId: string,
    @Param('type') type: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const partner = await this.enter(partnerId);
    this.checkType(partner, type);
    const query = request.originalUrl.includes('?')
      ? request.originalUrl.slice(request.originalUrl.indexOf('?') + 1)
      : '';
    const params = searchParamsOf(query);
    this.checkSearch(params);
    const filters = params.filter(([name]) => !name.startsWith('_') || name === '_id' || name === '_lastUpdated');
    const sort = params.find(([name]) => name === '_sort')?.[1];
    const count = Number(params.find(([name]) => name === '_count')?.[1] ?? 100);
    const offset = Number(params.find(([name]) => name === '_offset')?.[1] ?? 0);
    const matches = this.store.search(partnerId, type, filters);
    if (sort === '-_lastUpdated') matches.reverse();
    const page = matches.slice(offset, offset + count);
    const base = this.baseUrl(request, partnerId);
    const self = `${base}/${type}${query ? `?${query}` : ''}`;
    const pageQuery = (from: number) =>
      new URLSearchParams([
        ...params.filter(([name]) => name !== '_offset').map(([name, value]): [string, string] => [name, value]),
        ['_offset', String(from)],
      ]).toString();
    const bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: matches.length,
      link: [
        { relation: 'self', url: self },
        ...(offset + count < matches.length
          ? [{ relation: 'next', url: `${base}/${type}?${pageQuery(offset + count)}` }]
          : []),
      ],
      entry: page.map((resource) => ({
        fullUrl: this.fullUrl(request, partnerId, resource),
        resource,
        search: { mode: 'match' },
      })),
    };
    response.type(FHIR_JSON).json(bundle);
  }

  /** `GET {type}/{id}`: read; 404 OperationOutcome when unknown. */
  @Get(':type/:id')
  async read(
    @Param('partnerId') partnerId: string,
    @Param('type') type: string,
    @Param('id') id: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const partner = await this.enter(partnerId);
    this.checkType(partner, type);
    const resource = this.store.read(partnerId, type, id);
    if (!resource) fail(404, 'not-found', `Resource ${type}/${id} is not known`);
    this.send(response, 200, resource, request, partnerId);
  }

  /** `PUT {type}/{id}`: update (200), or create with that id (201). */
  @Put(':type/:id')
  async update(
    @Param('partnerId') partnerId: string,
    @Param('type') type: string,
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    const partner = await this.enter(partnerId);
    await this.recorded(partnerId, request, body, async () => {
      this.checkType(partner, type);
      const resource = this.checkBody(type, body);
      if (!ID.test(id)) fail(400, 'value', 'The id must be 1-64 letters, digits, hyphens or dots');
      if (resource.id !== id) fail(400, 'invariant', `The body's id must be ${id}, the id in the URL`, [`${type}.id`]);
      const { resource: stored, created } = this.store.update(
        partnerId,
        type,
        id,
        type === 'Subscription' ? { ...resource, status: 'active' } : resource,
      );
      this.send(response, created ? 201 : 200, stored, request, partnerId);
      return {
        status: created ? 201 : 200,
        afterwards: () => this.notifier.notify(partnerId, stored, created, this.fullUrl(request, partnerId, stored)),
      };
    });
  }

  /** Partner check, then the configured delay and failure. */
  private async enter(partnerId: string): Promise<Partner> {
    const partner = this.partners.require('fhir', partnerId);
    const failWith = await this.faults.apply(partnerId);
    if (failWith !== null)
      fail(failWith, failWith >= 500 ? 'transient' : 'processing', `The sandbox was told to fail with ${failWith}`);
    return partner;
  }

  /**
   * Runs a write, records it with the status it was answered (also when it failed), then runs
   * what follows it (subscription notifications), so the log shows the write before its notifications.
   */
  private async recorded(
    partnerId: string,
    request: Request,
    body: unknown,
    write: () => Promise<{ status: number; afterwards?: () => Promise<void> }>,
  ): Promise<void> {
    const identifiers = isRecord(body) ? this.store.identifierValuesAbout(partnerId, body) : [];
    const entry = {
      kind: 'fhir' as const,
      partnerId,
      direction: 'received' as const,
      method: request.method,
      url: request.originalUrl,
      body,
    };
    let outcome: { status: number; afterwards?: () => Promise<void> };
    try {
      outcome = await write();
    } catch (error) {
      this.log.add({ ...entry, status: error instanceof OperationOutcomeError ? error.status : 500 }, identifiers);
      throw error;
    }
    this.log.add({ ...entry, status: outcome.status }, identifiers);
    await outcome.afterwards?.();
  }

  private checkType(partner: Partner, type: string): void {
    const known =
      (FHIR_RESOURCE_TYPES as readonly string[]).includes(type) &&
      (type !== 'Subscription' || supportsSubscriptions(partner));
    if (!known)
      fail(
        404,
        'not-supported',
        `This server does not support ${type}${type === 'Subscription' ? ' (no rest-hook subscriptions: poll with _lastUpdated)' : ''}`,
      );
  }

  private checkBody(type: string, body: unknown): Record<string, unknown> {
    if (!isRecord(body)) fail(400, 'structure', 'The body must be a FHIR resource (JSON object)');
    if (body.resourceType !== type) fail(400, 'invalid', `resourceType must be ${type}`, ['resourceType']);
    if (type === 'Subscription') {
      const issues: OperationOutcomeIssue[] = [];
      const criteria = body.criteria;
      const channel = isRecord(body.channel) ? body.channel : {};
      if (
        typeof criteria !== 'string' ||
        !(FHIR_RESOURCE_TYPES as readonly string[]).includes(parseCriteria(criteria).type) ||
        parseCriteria(criteria).type === 'Subscription'
      ) {
        issues.push({
          severity: 'error',
          code: 'value',
          diagnostics: 'criteria must be a supported type with optional filters, e.g. Appointment?status=noshow',
          expression: ['Subscription.criteria'],
        });
      } else {
        issues.push(
          ...unsupportedParams(searchParamsOf(parseCriteria(criteria).query)),
          ...invalidParams(searchParamsOf(parseCriteria(criteria).query)),
        );
      }
      if (channel.type !== 'rest-hook')
        issues.push({
          severity: 'error',
          code: 'not-supported',
          diagnostics: 'channel.type must be rest-hook',
          expression: ['Subscription.channel.type'],
        });
      if (typeof channel.endpoint !== 'string' || !/^https?:\/\/[^\s]+$/.test(channel.endpoint)) {
        issues.push({
          severity: 'error',
          code: 'required',
          diagnostics: 'channel.endpoint must be an http(s) URL',
          expression: ['Subscription.channel.endpoint'],
        });
      }
      if (issues.length > 0) throw new OperationOutcomeError(400, operationOutcomeOf(issues));
    }
    return body;
  }

  private checkSearch(params: SearchParams): void {
    const issues = [...unsupportedParams(params), ...invalidParams(params)];
    if (issues.length > 0) throw new OperationOutcomeError(400, operationOutcomeOf(issues));
  }

  private baseUrl(request: Request, partnerId: string): string {
    return `${publicBaseUrl(request, this.settings)}/sandbox/fhir/${partnerId}`;
  }

  private fullUrl(request: Request, partnerId: string, resource: StoredResource): string {
    return `${this.baseUrl(request, partnerId)}/${resource.resourceType}/${resource.id}`;
  }

  private send(
    response: Response,
    status: number,
    resource: StoredResource,
    request: Request,
    partnerId: string,
  ): void {
    response
      .status(status)
      .type(FHIR_JSON)
      .setHeader('ETag', `W/"${resource.meta.versionId}"`)
      .setHeader('Last-Modified', new Date(resource.meta.lastUpdated).toUTCString());
    if (status === 201)
      response.setHeader(
        'Location',
        `${this.fullUrl(request, partnerId, resource)}/_history/${resource.meta.versionId}`,
      );
    response.json(resource);
  }
}
