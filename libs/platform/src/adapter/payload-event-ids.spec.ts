import { payloadEventIds } from './payload-event-ids';

describe('payloadEventIds', () => {
  it('gives the same ids, in the same order, for the same partner and payload', () => {
    const first = payloadEventIds('croydon-mc', 'POST /hearing/h1 sha256:abc');
    const again = payloadEventIds('croydon-mc', 'POST /hearing/h1 sha256:abc');
    const ids = [first(), first(), first()];
    expect([again(), again(), again()]).toEqual(ids);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('gives different ids for another payload or another partner', () => {
    const base = payloadEventIds('croydon-mc', 'payload-1')();
    expect(payloadEventIds('croydon-mc', 'payload-2')()).not.toBe(base);
    expect(payloadEventIds('camberwell-green-mc', 'payload-1')()).not.toBe(base);
  });
});
