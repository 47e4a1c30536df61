import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import {
  OperationOutcomeError,
  operationOutcomeOf,
  type OperationOutcome,
  type OperationOutcomeIssue,
} from '@cstr/contracts';
import { noStrongIdentifier, readSubjectIdentifiers } from '@cstr/identity';
import { patientOf } from '@cstr/fhir';
import { HubMetrics } from '../core/hub-metrics';
import type { CheckedEnvelope } from '../ingress/envelope.check';
import { ProcessMessageService } from './process-message.service';

/**
 * `$validate`: the hub's whole answer about a message, without delivering or storing it. It runs
 * the checks of `$process-message` (the same functions: envelope and event catalogue, UK Core,
 * the caller's own endpoint), the subject checks the ingress pipeline refuses on (a Patient with a
 * valid strong identifier), and the warnings a submitter hears (identifiers ignored, parties the
 * hub cannot resolve). Nothing touches the database or the broker; only a count is kept.
 */
@Injectable()
export class ValidateService {
  constructor(
    @Inject(ProcessMessageService) private readonly submissions: ProcessMessageService,
    @Inject(HubMetrics) private readonly metrics: HubMetrics,
  ) {}

  /** The OperationOutcome of `body` as sent by `partnerId`; throws only when `body` is not a Bundle at all (400). */
  validate(body: unknown, partnerId: string): OperationOutcome {
    const issues = this.issuesOf(body, partnerId);
    const errors = issues.filter((issue) => issue.severity === 'error' || issue.severity === 'fatal').length;
    this.metrics.validated(partnerId, errors === 0);
    return operationOutcomeOf([...issues, summary(errors)]);
  }

  private issuesOf(body: unknown, partnerId: string): OperationOutcomeIssue[] {
    try {
      const { checked } = this.submissions.check(body, partnerId);
      return [...checked.warnings, ...subjectProblems(checked), ...this.submissions.contentWarnings(checked)];
    } catch (error) {
      // Not a Bundle at all: nothing to validate. Any other refusal is part of the answer.
      if (!(error instanceof OperationOutcomeError) || error.status === HttpStatus.BAD_REQUEST) throw error;
      return error.outcome.issue;
    }
  }
}

/** What the ingress pipeline refuses a valid envelope for: no Patient (`no-subject`), no valid strong identifier (`identity-unresolved`). */
function subjectProblems(checked: CheckedEnvelope): OperationOutcomeIssue[] {
  const patient = patientOf(checked.bundle);
  if (!patient)
    return [
      {
        severity: 'error',
        code: 'required',
        diagnostics: 'Every event is about a person: the Bundle needs a Patient entry.',
        expression: ['Bundle.entry'],
      },
    ];
  // The ignored identifiers themselves are among the content warnings.
  if (readSubjectIdentifiers(patient.identifier).valid.length === 0) return [noStrongIdentifier([]).outcome.issue[0]];
  return [];
}

function summary(errors: number): OperationOutcomeIssue {
  return {
    severity: 'information',
    code: 'informational',
    diagnostics:
      errors === 0
        ? 'The hub would accept this message (any warnings above say what it would not take from it as sent). Nothing was delivered or stored.'
        : `The hub would refuse this message: ${errors} error(s). Nothing was delivered or stored.`,
  };
}
