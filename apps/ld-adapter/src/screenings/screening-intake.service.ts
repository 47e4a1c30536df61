import { createHash } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { operationOutcomeOf, type OperationOutcome, type OperationOutcomeIssue } from '@cstr/contracts';
import { mapLdScreening } from '@cstr/fhir';
import { IngressPublisher, payloadEventIds } from '@cstr/platform';
import { LD_PARTNER_SETTINGS, type LdPartnerSettings } from '../ld-partner-settings';

/** The answer to a pushed screening. */
export interface ScreeningResult {
  readonly httpStatus: number;
  readonly outcome: OperationOutcome;
}

/**
 * Takes an L&D screening form (`POST /screenings`): maps it to `ld.screening.completed` and
 * `consent.recorded`, and queues both in the outbox in one transaction — both or neither.
 * Bad input never throws: the sender gets a 422 OperationOutcome naming the form's paths.
 */
@Injectable()
export class ScreeningIntakeService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: IngressPublisher,
    @Inject(LD_PARTNER_SETTINGS) private readonly settings: LdPartnerSettings,
  ) {}

  async receive(form: unknown, receivedAt: Date): Promise<ScreeningResult> {
    const mapped = mapLdScreening(form, {
      senderPartnerId: this.settings.partnerId,
      senderOrganization: {
        ...(this.settings.ods ? { code: this.settings.ods } : {}),
        name: this.settings.name,
        partnerId: this.settings.partnerId,
      },
      receivedAt: receivedAt.toISOString(),
      // The same form sent again gives the same event ids: the hub applies it once.
      newId: payloadEventIds(
        this.settings.partnerId,
        `screening ${createHash('sha256')
          .update(JSON.stringify(form) ?? '')
          .digest('hex')}`,
      ),
    });
    if (mapped.kind === 'invalid') return { httpStatus: HttpStatus.UNPROCESSABLE_ENTITY, outcome: mapped.outcome };
    if (mapped.kind === 'ignored')
      return {
        httpStatus: HttpStatus.OK,
        outcome: operationOutcomeOf([{ severity: 'information', code: 'informational', diagnostics: mapped.reason }]),
      };

    const screeningId = (form as { screeningId: string }).screeningId;
    const events = mapped.events.map((input) => ({ input, options: { orderingKey: screeningId } }));
    const published = await this.dataSource.transaction((manager) => this.publisher.publish(manager, events));
    if (!published.ok)
      return {
        httpStatus: HttpStatus.UNPROCESSABLE_ENTITY,
        outcome: operationOutcomeOf(published.rejected.flatMap((each) => each.outcome.issue)),
      };
    const accepted: OperationOutcomeIssue = {
      severity: 'information',
      code: 'informational',
      diagnostics: `${published.queued} event(s) accepted for the hub.`,
    };
    return {
      httpStatus: HttpStatus.ACCEPTED,
      outcome: operationOutcomeOf([accepted, ...(mapped.warnings?.issue ?? [])]),
    };
  }
}
