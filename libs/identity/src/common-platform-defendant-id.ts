/**
 * Common Platform defendant id — the UUID HMCTS Common Platform gives a defendant on a case.
 * UUIDs have no check character; only the shape, and the all-zero / all-f placeholders, can be caught.
 */
import {
  asciiLowerCase,
  describeCharacterAt,
  fail,
  firstWhitespace,
  IdentifierParseResult,
  IdentifierValue,
  succeed,
} from './identifier-result';

/** A Common Platform defendant id in normalised form: a lower-case UUID. */
export type CommonPlatformDefendantId = IdentifierValue<'common-platform-defendant-id'>;

/** Why a Common Platform defendant id was refused. */
export type CommonPlatformDefendantIdErrorCode =
  'common-platform-defendant-id-format' | 'common-platform-defendant-id-placeholder';

/** The result of {@link parseCommonPlatformDefendantId}. */
export type CommonPlatformDefendantIdResult = IdentifierParseResult<
  'common-platform-defendant-id',
  CommonPlatformDefendantIdErrorCode
>;

const KIND = 'common-platform-defendant-id';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Validates a Common Platform defendant id: a UUID in the 8-4-4-4-12 hex form, any case,
 * surrounding whitespace trimmed, returned in lower case. Braces and `urn:uuid:` prefixes are
 * refused (the FHIR identifier value is the bare UUID). The version and variant bits are not
 * checked: Common Platform issues random (v4) UUIDs, but refusing another version would only
 * lose a real defendant. The nil and max UUIDs are refused as placeholders.
 */
export function parseCommonPlatformDefendantId(input: unknown): CommonPlatformDefendantIdResult {
  if (typeof input !== 'string')
    return fail(KIND, 'common-platform-defendant-id-format', 'Common Platform defendant id must be a UUID string.');
  const value = asciiLowerCase(input.trim());
  if (value.length === 0)
    return fail(
      KIND,
      'common-platform-defendant-id-format',
      'Common Platform defendant id is empty; it must be a UUID.',
    );
  const space = firstWhitespace(value);
  if (space >= 0) {
    return fail(
      KIND,
      'common-platform-defendant-id-format',
      `Common Platform defendant id must not contain spaces: it has ${describeCharacterAt(value, space)}.`,
    );
  }
  const bad = value.search(/[^0-9a-f-]/);
  if (bad >= 0) {
    return fail(
      KIND,
      'common-platform-defendant-id-format',
      `Common Platform defendant id must be hexadecimal digits and hyphens: it has ${describeCharacterAt(value, bad)}.`,
    );
  }
  if (!UUID.test(value)) {
    return fail(
      KIND,
      'common-platform-defendant-id-format',
      'Common Platform defendant id must be a UUID in the form 8-4-4-4-12 hexadecimal digits.',
    );
  }
  if (/^[0-]+$/.test(value) || /^[f-]+$/.test(value)) {
    return fail(
      KIND,
      'common-platform-defendant-id-placeholder',
      'Common Platform defendant id is the nil or max UUID, a placeholder rather than a real id.',
    );
  }
  return succeed(KIND, value);
}

/** True when `value` is a valid Common Platform defendant id already in normalised (lower-case) form. */
export function isCommonPlatformDefendantId(value: unknown): value is CommonPlatformDefendantId {
  const result = parseCommonPlatformDefendantId(value);
  return result.ok && result.value === value;
}
