import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import type { FixtureFolder, PartnerFixtures } from './partner-fixtures';

/** A send control request, resolved: the payload to push and the optional URL override. */
export interface SendRequest {
  readonly payload: Record<string, unknown>;
  readonly targetUrl?: string;
  /** The fixture it came from, if any. */
  readonly fixture?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the body of a `send` control request: either `{ "fixture": "<name>", "targetUrl"?: "…" }`
 * naming a fixture of `folder`, or the payload itself (then `?targetUrl=` may override the URL).
 */
export function readSendRequest(
  body: unknown,
  queryTargetUrl: unknown,
  folder: FixtureFolder,
  fixtures: PartnerFixtures,
): SendRequest {
  if (!isRecord(body))
    throw new OperationOutcomeError(
      400,
      operationOutcome('error', 'structure', 'The body must be a JSON object: the payload, or { "fixture": "<name>" }'),
    );
  const targetUrl =
    typeof body.targetUrl === 'string'
      ? body.targetUrl
      : typeof queryTargetUrl === 'string'
        ? queryTargetUrl
        : undefined;
  if (body.fixture !== undefined) {
    if (typeof body.fixture !== 'string')
      throw new OperationOutcomeError(
        400,
        operationOutcome('error', 'value', 'fixture must be a fixture name', ['fixture']),
      );
    const payload = fixtures.load(folder, body.fixture);
    if (!isRecord(payload))
      throw new OperationOutcomeError(
        500,
        operationOutcome('error', 'exception', `Fixture ${body.fixture} is not a JSON object`),
      );
    return { payload, fixture: body.fixture, ...(targetUrl ? { targetUrl } : {}) };
  }
  return { payload: body, ...(typeof queryTargetUrl === 'string' ? { targetUrl: queryTargetUrl } : {}) };
}
