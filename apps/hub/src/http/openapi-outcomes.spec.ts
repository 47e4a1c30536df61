import type { OpenAPIObject } from '@nestjs/swagger';
import { withOperationOutcomeErrors } from './openapi-outcomes';

describe('withOperationOutcomeErrors', () => {
  it('makes every error answer an OperationOutcome, adds the common errors, and leaves /health open', () => {
    const document: OpenAPIObject = {
      openapi: '3.0.0',
      info: { title: 't', version: '1' },
      paths: {
        '/health': { get: { responses: { '200': { description: 'up' } } } },
        '/audit': { get: { responses: { '200': { description: 'page' }, '400': { description: 'bad filter' } } } },
      },
    };
    const result = withOperationOutcomeErrors(document);
    const outcome = { 'application/fhir+json': { schema: { $ref: '#/components/schemas/OperationOutcome' } } };
    expect(result.components?.schemas?.OperationOutcome).toMatchObject({ required: ['resourceType', 'issue'] });
    expect(result.paths['/audit'].get?.responses).toEqual({
      '200': { description: 'page' },
      '400': { description: 'bad filter', content: outcome },
      '401': { description: expect.stringContaining('Not authenticated'), content: outcome },
      '403': { description: expect.any(String), content: outcome },
      '429': { description: expect.any(String), content: outcome },
    });
    expect(result.paths['/health'].get).toEqual({
      security: [],
      responses: { '200': { description: 'up' }, '503': { description: expect.any(String), content: outcome } },
    });
  });
});
