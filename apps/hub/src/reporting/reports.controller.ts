import { Controller, Get, HttpStatus, Inject, Query, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cstr/audit';
import { AuthGuard } from '../auth/auth.guard';
import { CurrentPrincipal, Roles } from '../auth/roles.decorator';
import type { Principal } from '../auth/roles';
import { badParam, onlyParams, textParam, type QueryParams } from '../http/query-params';
import { datasetCsv, minimumDataset } from './minimum-dataset';
import { ReportFactStore } from './report-fact.store';

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/**
 * `GET /reports/minimum-dataset?month=YYYY-MM[&format=csv]`: the monthly CSTR minimum dataset
 * (SPEC §7), anonymised (no identifier; counts 1-4 shown as `<5`, and as `*` the cells hidden so
 * that totals and breakdowns give no suppressed count away). Built from personal data, so each
 * read is audited (as a read without person identifiers).
 */
@ApiTags('reports')
@Controller('reports')
@UseGuards(AuthGuard)
export class ReportsController {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(ReportFactStore) private readonly facts: ReportFactStore,
  ) {}

  @Get('minimum-dataset')
  @Roles('ig-auditor', 'admin')
  @ApiOperation({
    summary:
      'The monthly CSTR minimum dataset per requirement type (MHTR, DRR, ATR, combined), anonymised; counts 1-4 as "<5", and as "*" the cells hidden so that no suppressed count follows from a total and its breakdowns',
  })
  @ApiQuery({ name: 'month', required: true, description: 'YYYY-MM (UK time)' })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  @ApiResponse({
    status: 200,
    description:
      'JSON { month, suppression: { below, shownAs, complementaryShownAs }, sections }, or text/csv rows month,section,measure,breakdown,value',
  })
  async minimumDataset(
    @Query() query: QueryParams,
    @CurrentPrincipal() principal: Principal,
    @Res() response: Response,
  ): Promise<void> {
    onlyParams(query, ['month', 'format']);
    const month = textParam(query, 'month');
    if (month === undefined || !MONTH.test(month)) throw badParam('month', 'month must be a calendar month, YYYY-MM.');
    const format = textParam(query, 'format') ?? 'json';
    if (format !== 'json' && format !== 'csv') throw badParam('format', 'format must be json or csv.');
    const dataset = await this.dataSource.transaction(async (manager) => {
      const built = minimumDataset(month, await this.facts.forMonth(manager, month), { asOf: new Date() });
      await this.audit.recordRead(manager, principal.id, {
        description: `GET /reports/minimum-dataset (month ${month}, ${format}; anonymised)`,
      });
      return built;
    });
    response.setHeader('Cache-Control', 'no-store');
    if (format === 'csv') {
      response
        .status(HttpStatus.OK)
        .type('text/csv; charset=utf-8')
        .setHeader('Content-Disposition', `attachment; filename="cstr-minimum-dataset-${month}.csv"`)
        .send(datasetCsv(dataset));
      return;
    }
    response.status(HttpStatus.OK).json(dataset);
  }
}
