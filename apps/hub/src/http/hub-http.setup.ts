import {
  BadRequestException,
  HttpException,
  HttpStatus,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
  type INestApplication,
} from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { Authenticator, WWW_AUTHENTICATE } from '../auth/authenticator';
import type { HubConfig } from '../hub.config';
import { withOperationOutcomeErrors } from './openapi-outcomes';

/** Media types whose bodies are parsed as JSON (FHIR's own and plain JSON). */
export const JSON_MEDIA_TYPES = ['application/json', 'application/fhir+json', 'application/*+json'];

/** Where the OpenAPI page and documents are served. */
export const DOCS_PATH = 'docs';

/**
 * The largest JSON body the hub reads, in bytes: `HTTP_BODY_LIMIT`, and never more than
 * `MAX_MESSAGE_BYTES` — a Bundle submitted to `POST /fhir/$process-message` becomes a message on
 * `hub.ingress`, which refuses larger ones (`too-large`), so it is refused at the door (413).
 */
export function jsonBodyLimitBytes(config: Pick<HubConfig, 'HTTP_BODY_LIMIT' | 'MAX_MESSAGE_BYTES'>): number {
  const match = /^(\d+)(b|kb|mb)$/.exec(config.HTTP_BODY_LIMIT);
  const unit = { b: 1, kb: 1024, mb: 1024 * 1024 } as const;
  const httpLimit = match ? Number(match[1]) * unit[match[2] as keyof typeof unit] : config.MAX_MESSAGE_BYTES;
  return Math.min(httpLimit, config.MAX_MESSAGE_BYTES);
}

/**
 * The hub's HTTP server set-up (run by `createApp` before Nest's defaults): JSON and FHIR JSON
 * bodies up to {@link jsonBodyLimitBytes}, body-parser failures turned into HTTP errors (so they leave as
 * OperationOutcomes: 400 malformed, 413 too large, 415 unsupported encoding), and the OpenAPI
 * page at `/docs` (JSON at `/docs-json`) — for authenticated principals only.
 */
export function configureHubHttp(app: INestApplication, config: HubConfig): void {
  const express = app as NestExpressApplication;
  // Registered before Nest's own parsers, which it then leaves out (same names).
  express.useBodyParser('json', { limit: jsonBodyLimitBytes(config), type: JSON_MEDIA_TYPES, strict: true });
  express.useBodyParser('urlencoded', { limit: config.HTTP_BODY_LIMIT, extended: false });
  express.use(bodyParserErrors);

  const authenticator = app.get(Authenticator);
  express.use(
    [`/${DOCS_PATH}`, `/${DOCS_PATH}-json`, `/${DOCS_PATH}-yaml`],
    (request: Request, response: Response, next: NextFunction) => {
      authenticator.authenticate(request.headers.authorization, request.ip).then(
        () => next(),
        (error: unknown) => {
          response.setHeader('WWW-Authenticate', WWW_AUTHENTICATE);
          next(error);
        },
      );
    },
  );
  const description =
    'HTTP API of the CSTR interoperability hub (SPEC §7). Every error body is a FHIR OperationOutcome. ' +
    'Authentication: HTTP Basic with a principal id and secret; roles partner, ig-auditor, operator, admin. ' +
    'The web console instead signs in at POST /console/session for a session cookie; its state-changing requests ' +
    'carry the session’s CSRF token (X-CSRF-Token) and the hub’s own Origin. ' +
    'The events themselves are described by the AsyncAPI document at /asyncapi.';
  const documentConfig = new DocumentBuilder()
    .setTitle('cstr-hub')
    .setDescription(description)
    .setVersion('1')
    .addBasicAuth()
    .addSecurityRequirements('basic')
    .build();
  const document = withOperationOutcomeErrors(SwaggerModule.createDocument(app, documentConfig));
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    yamlDocumentUrl: `${DOCS_PATH}-yaml`,
    customSiteTitle: 'cstr-hub API',
  });
}

/**
 * Express error middleware after the body parsers: their errors carry a status but are not Nest
 * HTTP exceptions, and would otherwise leave as 500.
 */
function bodyParserErrors(error: unknown, _request: Request, _response: Response, next: NextFunction): void {
  next(asHttpException(error));
}

/** A body-parser error as the HTTP exception it stands for; other errors unchanged. */
export function asHttpException(error: unknown): unknown {
  if (error instanceof HttpException || typeof error !== 'object' || error === null) return error;
  const { status, type } = error as { status?: unknown; type?: unknown };
  if (typeof type !== 'string' || typeof status !== 'number') return error;
  switch (status) {
    case HttpStatus.PAYLOAD_TOO_LARGE:
      return new PayloadTooLargeException('The request body is larger than this hub accepts.');
    case HttpStatus.UNSUPPORTED_MEDIA_TYPE:
      return new UnsupportedMediaTypeException(
        'The request body uses an unsupported character set or content encoding.',
      );
    case HttpStatus.BAD_REQUEST:
      return new BadRequestException(
        type === 'entity.parse.failed'
          ? 'The request body is not well-formed JSON.'
          : 'The request body could not be read.',
      );
    default:
      return status >= 400 && status < 500 ? new HttpException('The request body could not be read.', status) : error;
  }
}
