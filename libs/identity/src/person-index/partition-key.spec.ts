import { randomUUID } from 'node:crypto';
import { personPartitionKey } from './partition-key';

describe('personPartitionKey', () => {
  const secret = 'a-secret-of-enough-length';

  it('is 32 hex characters, stable for a person, different between persons and secrets', () => {
    const person = randomUUID();
    const key = personPartitionKey(person, secret);
    expect(key).toMatch(/^[0-9a-f]{32}$/);
    expect(personPartitionKey(person, secret)).toBe(key);
    expect(personPartitionKey(randomUUID(), secret)).not.toBe(key);
    expect(personPartitionKey(person, `${secret}-2`)).not.toBe(key);
    expect(key).not.toContain(person.replace(/-/g, '').slice(0, 8));
  });

  it('is the truncated HMAC-SHA256 of the person id', () => {
    // `echo -n person | openssl dgst -sha256 -hmac 'key-of-16-bytes!'`, first 32 hex characters.
    expect(personPartitionKey('person', 'key-of-16-bytes!')).toBe('cb8485306d69f0a63057127588ee79a1');
  });

  it('refuses a short secret', () => {
    expect(() => personPartitionKey(randomUUID(), 'short')).toThrow(RangeError);
  });
});
