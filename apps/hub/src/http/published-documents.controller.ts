import { Controller, Get, Headers, HttpStatus, Param, Query, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Bundle } from 'fhir/r4';
import { stringify } from 'yaml';
import {
  FHIR_JSON_CONTENT_TYPE,
  HUB_CODE_SYSTEMS,
  OperationOutcomeError,
  buildAsyncApiDocument,
  operationOutcome,
} from '@cstr/contracts';
import { AuthGuard } from '../auth/auth.guard';
import { Roles } from '../auth/roles.decorator';
import { onlyParams, textParam, type QueryParams } from './query-params';

const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

/**
 * What the hub publishes about itself to every authenticated principal: the AsyncAPI document of
 * its events (`GET /asyncapi`, JSON or YAML by `Accept`) and its FHIR CodeSystems
 * (`GET /fhir/CodeSystem`, `GET /fhir/CodeSystem/{id}`).
 */
@ApiTags('documents')
@Controller()
@UseGuards(AuthGuard)
@Roles('partner', 'ig-auditor', 'operator', 'admin')
export class PublishedDocumentsController {
  private readonly asyncApi = buildAsyncApiDocument();
  private readonly asyncApiYaml = stringify(this.asyncApi);

  @Get('asyncapi')
  @ApiOperation({ summary: 'The AsyncAPI 3 document of the events (YAML when Accept asks for it, else JSON)' })
  @ApiProduces('application/json', 'application/yaml')
  asyncapi(
    @Query() query: QueryParams,
    @Headers('accept') accept: string | undefined,
    @Res() response: Response,
  ): void {
    onlyParams(query, []);
    const wantsYaml = YAML_TYPES.some((type) => (accept ?? '').toLowerCase().includes(type));
    if (wantsYaml) response.status(HttpStatus.OK).type('application/yaml').send(this.asyncApiYaml);
    else response.status(HttpStatus.OK).json(this.asyncApi);
  }

  @Get('fhir/CodeSystem')
  @ApiOperation({ summary: 'The hub CodeSystems as a FHIR searchset Bundle (optionally by url)' })
  codeSystems(@Query() query: QueryParams, @Res() response: Response): void {
    onlyParams(query, ['url']);
    const url = textParam(query, 'url');
    const matches = HUB_CODE_SYSTEMS.filter((system) => url === undefined || system.url === url);
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: matches.length,
      entry: matches.map((system) => ({
        fullUrl: `CodeSystem/${system.id}`,
        resource: system,
        search: { mode: 'match' },
      })),
    };
    response.status(HttpStatus.OK).type(FHIR_JSON_CONTENT_TYPE).json(bundle);
  }

  @Get('fhir/CodeSystem/:id')
  @ApiOperation({ summary: 'One hub CodeSystem' })
  @ApiParam({ name: 'id', description: 'e.g. event-type' })
  codeSystem(@Param('id') id: string, @Query() query: QueryParams, @Res() response: Response): void {
    onlyParams(query, []);
    const system = HUB_CODE_SYSTEMS.find((candidate) => candidate.id === id);
    if (!system)
      throw new OperationOutcomeError(
        HttpStatus.NOT_FOUND,
        operationOutcome('error', 'not-found', `No CodeSystem ${JSON.stringify(id.slice(0, 100))} on this hub.`),
      );
    response.status(HttpStatus.OK).type(FHIR_JSON_CONTENT_TYPE).json(system);
  }
}
