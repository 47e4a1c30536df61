/**
 * The pseudonymous per-person key for the broker's ordering header (SPEC §4: no personal data
 * in headers). Keyed, so nobody without the secret can link the key to a person id.
 */
import { createHmac } from 'node:crypto';

/** Hex characters kept: 128 bits, far beyond any collision risk between persons. */
const PARTITION_KEY_LENGTH = 32;

/** The shortest secret accepted (bytes of UTF-8). */
export const MIN_PARTITION_SECRET_LENGTH = 16;

/**
 * HMAC-SHA256 of the person id under `secret`, as 32 hex characters. Stable for a person id;
 * after a merge use the survivor's id so all events of the person share one key.
 *
 * @throws RangeError when the secret is shorter than {@link MIN_PARTITION_SECRET_LENGTH} bytes
 * (configuration, validated at boot — not partner input)
 */
export function personPartitionKey(personId: string, secret: string): string {
  if (Buffer.byteLength(secret, 'utf8') < MIN_PARTITION_SECRET_LENGTH) {
    throw new RangeError(`The partition key secret must be at least ${MIN_PARTITION_SECRET_LENGTH} bytes long`);
  }
  return createHmac('sha256', secret).update(personId, 'utf8').digest('hex').slice(0, PARTITION_KEY_LENGTH);
}
