import fc from 'fast-check';
import { EVENT_TYPES } from '@cstr/contracts';
import { NHS_NUMBER_SYSTEM, nhsNumberCheckDigit } from '@cstr/identity';
import type { MessageHeader, Patient } from 'fhir/r4';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';
import { tryBuildEventBundle } from './event-bundle.builder';
import type { EventInput } from './event-inputs';

const fixtures = new Map(EVENT_TYPES.map((type) => [type, loadEventFixture(type)]));
const anyFixture = fc.constantFrom(...EVENT_TYPES).map((type) => structuredClone(fixtures.get(type) as EventInput));

/** A string that is sometimes well-formed for the field and often not. */
const maybe = (good: fc.Arbitrary<string>) => fc.oneof(good, fc.string(), fc.constant(''), fc.constant(' '));

const validNhsNumber = fc
  .stringMatching(/^[0-9]{9}$/)
  .map((nine) => ({ nine, check: nhsNumberCheckDigit(nine) }))
  // Nine equal digits give ten equal digits: a placeholder, refused.
  .filter(({ nine, check }) => check !== undefined && !/^(\d)\1{8}$/.test(nine))
  .map(({ nine, check }) => `${nine}${check}`);

describe('tryBuildEventBundle (properties)', () => {
  it('never throws, whatever the identifiers and envelope: a message Bundle, or an OperationOutcome with located errors', () => {
    fc.assert(
      fc.property(
        anyFixture,
        fc.record(
          {
            nhsNumber: maybe(validNhsNumber),
            crn: maybe(fc.constant('X123456')),
            pncId: fc.string(),
            croNumber: fc.string(),
            commonPlatformDefendantId: maybe(fc.uuid()),
          },
          { requiredKeys: [] },
        ),
        maybe(fc.uuid()),
        maybe(fc.constant('2026-06-15T15:05:00+01:00')),
        maybe(fc.constant('slam-mhtr')),
        (input, identifiers, eventId, occurredAt, sender) => {
          const result = tryBuildEventBundle({
            ...input,
            person: { ...input.person, identifiers },
            envelope: { ...input.envelope, eventId, occurredAt, sender },
          } as EventInput);
          if (result.ok) {
            expect((result.resource.entry?.[0].resource as MessageHeader).eventCoding?.code).toBe(input.type);
          } else {
            expect(result.outcome.issue.length).toBeGreaterThan(0);
            for (const issue of result.outcome.issue) {
              expect(issue.severity).toBe('error');
              expect(issue.expression?.length).toBe(1);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('builds every event for any valid NHS number, carrying it unchanged and the same every time', () => {
    fc.assert(
      fc.property(anyFixture, validNhsNumber, fc.uuid({ version: 4 }), (input, nhsNumber, eventId) => {
        const changed = {
          ...input,
          person: { ...input.person, identifiers: { nhsNumber } },
          envelope: { ...input.envelope, eventId },
        } as EventInput;
        const first = tryBuildEventBundle(changed);
        expect(first.ok).toBe(true);
        if (!first.ok) return;
        const patient = first.resource.entry?.find((entry) => entry.resource?.resourceType === 'Patient')
          ?.resource as Patient;
        expect(patient.identifier).toEqual([expect.objectContaining({ system: NHS_NUMBER_SYSTEM, value: nhsNumber })]);
        expect(tryBuildEventBundle(changed)).toEqual(first);
      }),
      { numRuns: 100 },
    );
  });
});
