/** People generated for hub tests: valid, distinct identifiers in blocks of their own. */
import type { PersonIdentifiersInput } from '@cstr/fhir';
import { nhsNumberCheckDigit } from '@cstr/identity';

/** A valid NHS number (Modulus 11) and CRN for the n-th person of a block (0-99): distinct across blocks. */
export function generatedIdentifiers(n: number, block: number): PersonIdentifiersInput {
  for (let candidate = n * 10; ; candidate += 1) {
    const firstNine = `9${String(block).padStart(2, '0')}${String(candidate).padStart(6, '0')}`;
    const check = nhsNumberCheckDigit(firstNine);
    if (check !== undefined)
      return {
        nhsNumber: `${firstNine}${check}`,
        nhsNumberVerified: true,
        crn: `Q${String(block * 1000 + n).padStart(6, '0')}`,
      };
  }
}
