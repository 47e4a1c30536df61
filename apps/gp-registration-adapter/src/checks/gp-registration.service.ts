import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import type { Bundle } from 'fhir/r4';
import { DataSource, type EntityManager } from 'typeorm';
import { operationOutcomeOf, type OperationOutcome, type OperationOutcomeIssue } from '@cstr/contracts';
import { NHS_NUMBER_SYSTEM } from '@cstr/identity';
import { asArray, mapPdsPatient, patientOf, type EventInput, type PreviousGpRegistration } from '@cstr/fhir';
import { Outcome, type HandlerOutcome, type HandlerScope } from '@cstr/messaging';
import { IngressPublisher, payloadEventIds, type IngressEvent, type RejectedIngress } from '@cstr/platform';
import { GP_PARTNER_SETTINGS, type GpPartnerSettings } from '../gp-partner-settings';
import { PdsClient, type PdsRead } from '../pds/pds.client';

/** The CloudEvent type of a PDS change-of-GP signal. */
export const CHANGE_OF_GP_EVENT_TYPE = 'pds-change-of-gp-2';

/** The answer to a pushed notification. */
export interface NotificationResult {
  readonly httpStatus: number;
  readonly outcome: OperationOutcome;
}

/** Events made from a PDS read, or why none could be. */
type PatientEvents =
  | { readonly ok: true; readonly events: IngressEvent[]; readonly known?: KnownRegistration }
  | { readonly ok: false; readonly code: string; readonly reason: string };

interface KnownRegistration {
  readonly nhsNumber: string;
  readonly odsCode: string | null;
  readonly start: string | null;
}

/**
 * GP registration for the hub: checks PDS when the hub delivers an event saying registration must
 * be checked (a sentence, a PSR request) → `gp.registration.checked`; follows PDS change-of-GP
 * signals → `gp.registration.checked` + `gp.registration.changed`. The last practice seen per NHS
 * number is kept so a change can name the practice left. Restricted records never disclose a GP.
 */
@Injectable()
export class GpRegistrationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: IngressPublisher,
    private readonly pds: PdsClient,
    @Inject(GP_PARTNER_SETTINGS) private readonly settings: GpPartnerSettings,
  ) {}

  /**
   * Checks the GP registration of the person of a delivered Bundle, publishing through the
   * handler's transaction. PDS down → retry; an NHS number PDS does not know → dead letter.
   */
  async checkDelivered(bundle: unknown, deliveredEventId: string, scope: HandlerScope): Promise<HandlerOutcome> {
    if (!scope.manager) return Outcome.retry('The gp-registration-adapter needs its database.');
    const nhsNumber = nhsNumberOf(bundle);
    // Without an NHS number PDS cannot be asked: parked in the DLQ, where an operator sees it.
    if (!nhsNumber) return Outcome.deadLetter('no-nhs-number', 'The delivered Patient has no NHS number to check.');
    const read = await this.pds.readPatient(nhsNumber);
    const failure = readFailure(read);
    if (failure)
      return failure.retry ? Outcome.retry(failure.reason) : Outcome.deadLetter(failure.code, failure.reason);
    const events = this.eventsOf(
      (read as { patient: unknown }).patient,
      `check ${deliveredEventId}`,
      deliveredEventId,
      undefined,
    );
    if (!events.ok) return Outcome.deadLetter(events.code, events.reason);
    const published = await this.publisher.publish(scope.manager, events.events);
    if (!published.ok) return Outcome.deadLetter('invalid-event', notBuilt(published.rejected));
    await this.remember(scope.manager, events.known);
    return Outcome.done();
  }

  /** A change-of-GP CloudEvent (`POST /notifications`): fetch its `dataref`, publish what changed. */
  async changeOfGp(cloudEvent: unknown): Promise<NotificationResult> {
    const signal = readSignal(cloudEvent);
    if ('issues' in signal) return { httpStatus: HttpStatus.BAD_REQUEST, outcome: operationOutcomeOf(signal.issues) };
    if (signal.type !== CHANGE_OF_GP_EVENT_TYPE)
      return {
        httpStatus: HttpStatus.OK,
        outcome: operationOutcomeOf([information(`CloudEvents of type ${signal.type} are not followed.`)]),
      };
    const read = await this.pds.readDataref(signal.dataref);
    if (read.kind === 'not-allowed')
      return {
        httpStatus: HttpStatus.FORBIDDEN,
        outcome: operationOutcomeOf([
          error('forbidden', 'dataref must be a Patient of this partner’s PDS service.', 'dataref'),
        ]),
      };
    const failure = readFailure(read);
    if (failure) {
      return failure.retry
        ? {
            httpStatus: HttpStatus.SERVICE_UNAVAILABLE,
            outcome: operationOutcomeOf([
              error('transient', `${failure.reason}; send the signal again later.`, 'dataref'),
            ]),
          }
        : {
            httpStatus: HttpStatus.UNPROCESSABLE_ENTITY,
            outcome: operationOutcomeOf([error('not-found', failure.reason, 'dataref')]),
          };
    }
    return this.dataSource.transaction(async (manager) => {
      const previous = await this.previousOf(manager, signal.subject);
      const events = this.eventsOf(
        (read as { patient: unknown }).patient,
        `change-of-gp ${signal.id}`,
        undefined,
        previous,
      );
      if (!events.ok)
        return {
          httpStatus: HttpStatus.UNPROCESSABLE_ENTITY,
          outcome: operationOutcomeOf([error('invalid', events.reason, 'dataref')]),
        };
      const published = await this.publisher.publish(manager, events.events);
      if (!published.ok)
        return {
          httpStatus: HttpStatus.UNPROCESSABLE_ENTITY,
          outcome: operationOutcomeOf([error('invalid', notBuilt(published.rejected), 'dataref')]),
        };
      await this.remember(manager, events.known);
      return {
        httpStatus: HttpStatus.ACCEPTED,
        outcome: operationOutcomeOf([information(`${published.queued} event(s) accepted for the hub.`)]),
      };
    });
  }

  /** The events of a PDS Patient; their ids derive from `identity`. */
  private eventsOf(
    patient: unknown,
    identity: string,
    correlationId: string | undefined,
    previous: PreviousGpRegistration | undefined,
  ): PatientEvents {
    const mapped = mapPdsPatient(
      patient,
      {
        senderPartnerId: this.settings.partnerId,
        senderOrganization: {
          ...(this.settings.ods ? { code: this.settings.ods } : {}),
          name: this.settings.name,
          partnerId: this.settings.partnerId,
        },
        receivedAt: new Date().toISOString(),
        newId: payloadEventIds(this.settings.partnerId, identity),
      },
      { previous },
    );
    if (mapped.kind === 'invalid')
      return {
        ok: false,
        code: 'invalid-pds-patient',
        reason: `PDS returned a Patient that cannot be mapped (${mapped.outcome.issue.length} issue(s)).`,
      };
    if (mapped.kind === 'ignored') return { ok: false, code: 'ignored', reason: mapped.reason };
    const inputs: EventInput[] = mapped.events.map((input) =>
      correlationId ? { ...input, envelope: { ...input.envelope, correlationId } } : input,
    );
    const checked = inputs.find((input) => input.type === 'gp.registration.checked');
    const nhsNumber = checked?.person.identifiers.nhsNumber;
    // A restricted record discloses no GP: nothing is remembered for it.
    const known =
      nhsNumber && checked?.type === 'gp.registration.checked' && !checked.person.restricted
        ? {
            nhsNumber,
            odsCode: checked.registration?.practice.code ?? null,
            start: checked.registration?.period.start ?? null,
          }
        : undefined;
    return { ok: true, events: inputs.map((input) => ({ input })), known };
  }

  /**
   * The practice known before a change-of-GP signal. When none is known the mapper is still told a
   * change happened (an empty code differs from any practice), so `gp.registration.changed` is sent
   * without a previous practice.
   */
  private async previousOf(manager: EntityManager, nhsNumber: string): Promise<PreviousGpRegistration> {
    const rows = (await manager.query('SELECT ods_code, start_date FROM gp_known_registration WHERE nhs_number = $1', [
      nhsNumber,
    ])) as { ods_code: string | null; start_date: string | null }[];
    const row = rows[0];
    return row?.ods_code
      ? { odsCode: row.ods_code, ...(row.start_date ? { start: row.start_date } : {}) }
      : { odsCode: '' };
  }

  private async remember(manager: EntityManager, known: KnownRegistration | undefined): Promise<void> {
    if (!known) return;
    await manager.query(
      `INSERT INTO gp_known_registration (nhs_number, ods_code, start_date) VALUES ($1, $2, $3)
       ON CONFLICT (nhs_number) DO UPDATE SET ods_code = EXCLUDED.ods_code, start_date = EXCLUDED.start_date, updated_at = now()`,
      [known.nhsNumber, known.odsCode, known.start],
    );
  }
}

/** Why a batch of events was refused, told by its first refusal. */
function notBuilt(rejected: readonly RejectedIngress[]): string {
  return `An event could not be built: ${rejected[0]?.outcome.issue[0]?.diagnostics ?? 'invalid'}`;
}

/** The NHS number of the Patient of a delivered Bundle. */
export function nhsNumberOf(bundle: unknown): string | undefined {
  if ((bundle as Bundle | null)?.resourceType !== 'Bundle') return undefined;
  return asArray(patientOf(bundle)?.identifier).find((identifier) => identifier?.system === NHS_NUMBER_SYSTEM)?.value;
}

/** What a failed PDS read means: retry (partner down) or a final answer. */
function readFailure(read: PdsRead): { retry: boolean; code: string; reason: string } | undefined {
  switch (read.kind) {
    case 'found':
      return undefined;
    case 'unavailable':
      return { retry: true, code: 'pds-unavailable', reason: read.reason };
    case 'not-found':
      return { retry: false, code: 'unknown-nhs-number', reason: 'PDS does not know this NHS number.' };
    case 'refused':
      return { retry: false, code: 'pds-refused', reason: `PDS refused the read with ${read.status}.` };
    case 'not-allowed':
      return { retry: false, code: 'not-allowed', reason: 'The URL is not under the PDS base URL.' };
  }
}

interface ChangeSignal {
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  readonly dataref: string;
}

/** A structured-mode CloudEvent 1.0 with `id`, `type`, `subject` (the NHS number) and `dataref`. */
function readSignal(value: unknown): ChangeSignal | { issues: OperationOutcomeIssue[] } {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { issues: [error('structure', 'A CloudEvent must be a JSON object.', '$')] };
  const event = value as Record<string, unknown>;
  const issues: OperationOutcomeIssue[] = [];
  if (event.specversion !== '1.0') issues.push(error('value', 'specversion must be "1.0".', 'specversion'));
  for (const key of ['id', 'type', 'subject', 'dataref'] as const) {
    if (typeof event[key] !== 'string' || (event[key] as string).trim() === '')
      issues.push(error('required', `${key} is required (a non-empty string).`, key));
  }
  if (issues.length > 0) return { issues };
  return {
    id: event.id as string,
    type: event.type as string,
    subject: event.subject as string,
    dataref: event.dataref as string,
  };
}

function error(code: OperationOutcomeIssue['code'], diagnostics: string, expression: string): OperationOutcomeIssue {
  return { severity: 'error', code, diagnostics, expression: [expression] };
}

function information(diagnostics: string): OperationOutcomeIssue {
  return { severity: 'information', code: 'informational', diagnostics };
}
