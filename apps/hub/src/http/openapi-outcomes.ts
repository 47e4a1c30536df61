import type { OpenAPIObject } from '@nestjs/swagger';

/** The OperationOutcome every error body is, as an OpenAPI schema. */
export const OPERATION_OUTCOME_SCHEMA = {
  type: 'object',
  description: 'FHIR R4 OperationOutcome: the body of every 4xx and 5xx answer.',
  required: ['resourceType', 'issue'],
  properties: {
    resourceType: { type: 'string', enum: ['OperationOutcome'] },
    issue: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['severity', 'code'],
        properties: {
          severity: { type: 'string', enum: ['fatal', 'error', 'warning', 'information'] },
          code: {
            type: 'string',
            description: 'FHIR issue-type code, e.g. invalid, login, forbidden, not-found, too-long',
          },
          diagnostics: { type: 'string' },
          expression: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
} as const;

const COMMON_ERRORS: Readonly<Record<string, string>> = {
  '400': 'A bad parameter or body',
  '401': 'Not authenticated (HTTP Basic): see WWW-Authenticate',
  '403': 'Authenticated, but not in a role allowed here',
  '429': 'Too many failed logins for this id lately',
};
const OPEN_PATHS = new Set(['/health']);

/**
 * Says in the OpenAPI document what the API promises: every error answer of every operation is
 * an `application/fhir+json` OperationOutcome (adds the schema, the common errors, and the
 * content of the errors the controllers declared). Changes and returns `document`.
 */
export function withOperationOutcomeErrors(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.schemas = { ...document.components.schemas, OperationOutcome: OPERATION_OUTCOME_SCHEMA as never };
  const content = { 'application/fhir+json': { schema: { $ref: '#/components/schemas/OperationOutcome' } } };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const operation of [item.get, item.post, item.put, item.patch, item.delete]) {
      if (!operation) continue;
      const responses = operation.responses as Record<string, { description: string; content?: unknown }>;
      if (OPEN_PATHS.has(path)) {
        operation.security = [];
        responses['503'] ??= { description: 'Unhealthy: which check is down' };
      } else {
        for (const [status, description] of Object.entries(COMMON_ERRORS)) responses[status] ??= { description };
      }
      for (const [status, response] of Object.entries(responses)) {
        if (Number(status) >= 400) response.content = content;
      }
    }
  }
  return document;
}
