import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus } from '@nestjs/common';
import type { Response } from 'express';
import { OperationOutcomeError } from '@cstr/contracts';

/** The error body of the HMPPS APIs (`ErrorResponse`): the Delius stand-in answers like the real one, not with an OperationOutcome. */
export interface HmppsErrorResponse {
  readonly status: number;
  readonly errorCode?: string;
  readonly userMessage: string;
  readonly developerMessage: string;
  readonly moreInfo?: unknown;
}

/** An error the Delius stand-in answers with an {@link HmppsErrorResponse}. */
export class HmppsApiError extends Error {
  constructor(
    readonly status: number,
    readonly userMessage: string,
    readonly errorCode?: string,
    readonly moreInfo?: unknown,
  ) {
    super(userMessage);
    this.name = 'HmppsApiError';
  }
}

/** Renders every error of the Delius stand-in as the HMPPS `ErrorResponse` JSON. */
@Catch()
export class HmppsErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    let body: HmppsErrorResponse;
    if (exception instanceof HmppsApiError) {
      body = {
        status: exception.status,
        ...(exception.errorCode ? { errorCode: exception.errorCode } : {}),
        userMessage: exception.userMessage,
        developerMessage: exception.userMessage,
        ...(exception.moreInfo !== undefined ? { moreInfo: exception.moreInfo } : {}),
      };
    } else if (exception instanceof OperationOutcomeError) {
      const message = exception.outcome.issue.map((issue) => issue.diagnostics ?? issue.code).join('; ');
      body = { status: exception.status, userMessage: message, developerMessage: message };
    } else if (exception instanceof HttpException) {
      body = { status: exception.getStatus(), userMessage: exception.message, developerMessage: exception.message };
    } else {
      body = {
        status: HttpStatus.INTERNAL_SERVER_ERROR,
        userMessage: 'Internal error',
        developerMessage: 'Internal error',
      };
    }
    response.status(body.status).json(body);
  }
}
