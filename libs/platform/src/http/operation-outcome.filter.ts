import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { IssueType, OperationOutcomeError, operationOutcome, safeErrorText } from '@cstr/contracts';

const ISSUE_BY_STATUS: Record<number, IssueType> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  405: 'not-supported',
  409: 'conflict',
  413: 'too-long',
  415: 'not-supported',
  422: 'processing',
  429: 'transient',
  503: 'transient',
};

/** Every HTTP error leaves as a FHIR OperationOutcome, never as a stack trace. */
@Catch()
export class OperationOutcomeFilter implements ExceptionFilter {
  private readonly logger = new Logger(OperationOutcomeFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof OperationOutcomeError) {
      response.status(exception.status).type('application/fhir+json').json(exception.outcome);
      return;
    }
    const status = exception instanceof HttpException ? exception.getStatus() : HttpStatus.INTERNAL_SERVER_ERROR;
    // Class, code, message without echoed values, and frames: a failed query's parameters and
    // detail, or a request body, never reach the log.
    if (status >= 500) this.logger.error(safeErrorText(exception, { stack: true }));
    const message = exception instanceof HttpException ? exception.message : 'Internal error';
    const outcome = operationOutcome(
      status >= 500 ? 'fatal' : 'error',
      ISSUE_BY_STATUS[status] ?? (status >= 500 ? 'exception' : 'invalid'),
      message,
    );
    response.status(status).type('application/fhir+json').json(outcome);
  }
}
