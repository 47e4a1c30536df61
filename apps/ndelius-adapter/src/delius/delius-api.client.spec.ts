import { DeliusApiClient } from './delius-api.client';

/** A fetch that answers every call with `status` and `body`, recording the calls. */
function stubFetch(status: number, body: unknown = {}) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetchStub = jest.fn(async (url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  });
  return { fetch: fetchStub as unknown as typeof fetch, calls };
}

const contact = {
  type: 'AFTA',
  date: '2026-06-29T14:00:00+01:00',
  notes: 'Did not attend.',
  externalReference: 'ac051339-8308-4823-95db-9f6600a23081',
} as const;

describe('DeliusApiClient', () => {
  it('posts a contact to case/{crn}/contacts and reports it created', async () => {
    const stub = stubFetch(201, { id: 'C1', ...contact });
    const client = new DeliusApiClient({ baseUrl: 'http://delius.test/api/', timeoutMs: 1000, fetch: stub.fetch });
    await expect(client.createContact('X412563', contact)).resolves.toEqual({ kind: 'created', id: 'C1' });
    expect(stub.calls[0].url).toBe('http://delius.test/api/case/X412563/contacts');
    expect(stub.calls[0].init.method).toBe('POST');
    expect(JSON.parse(String(stub.calls[0].init.body))).toEqual(contact);
  });

  it('posts an alert to case/{crn}/alerts', async () => {
    const stub = stubFetch(201, { id: 7 });
    const client = new DeliusApiClient({ baseUrl: 'http://delius.test', timeoutMs: 1000, fetch: stub.fetch });
    await expect(
      client.createAlert('X412563', { type: 'T', date: '2026-06-29', notes: 'n', externalReference: 'e' }),
    ).resolves.toEqual({ kind: 'created', id: '7' });
    expect(stub.calls[0].url).toBe('http://delius.test/case/X412563/alerts');
  });

  it.each([
    [409, { status: 409, errorCode: 'DUPLICATE_EXTERNAL_REFERENCE' }, { kind: 'duplicate' }],
    [
      404,
      { status: 404, errorCode: 'NOT_FOUND', userMessage: 'Person with crn of X412563 not found' },
      { kind: 'unknown-crn' },
    ],
    [
      400,
      { status: 400, errorCode: 'VALIDATION_FAILURE' },
      { kind: 'rejected', status: 400, reason: 'Delius answered 400 VALIDATION_FAILURE.' },
    ],
    [
      503,
      { status: 503, errorCode: 'SANDBOX_FAULT' },
      { kind: 'unavailable', reason: 'Delius answered 503 SANDBOX_FAULT.' },
    ],
    [429, {}, { kind: 'unavailable', reason: 'Delius answered 429.' }],
  ])('turns a %i answer into a typed result', async (status, body, expected) => {
    const client = new DeliusApiClient({
      baseUrl: 'http://delius.test',
      timeoutMs: 1000,
      fetch: stubFetch(status, body).fetch,
    });
    await expect(client.createContact('X412563', contact)).resolves.toEqual(expected);
  });

  it('never puts the person named in a Delius message into the reason', async () => {
    const client = new DeliusApiClient({
      baseUrl: 'http://delius.test',
      timeoutMs: 1000,
      fetch: stubFetch(500, { errorCode: 'E', userMessage: 'Jordan Marsh X412563' }).fetch,
    });
    const result = await client.createContact('X412563', contact);
    expect(JSON.stringify(result)).not.toMatch(/Jordan|X412563/);
  });

  it('reports an unreachable Delius as unavailable', async () => {
    const failing = jest.fn(async () => {
      throw new TypeError('fetch failed');
    }) as unknown as typeof fetch;
    const client = new DeliusApiClient({ baseUrl: 'http://delius.test', timeoutMs: 1000, fetch: failing });
    await expect(client.createContact('X412563', contact)).resolves.toEqual({
      kind: 'unavailable',
      reason: 'Delius could not be reached (TypeError).',
    });
  });

  it('gives up on a slow Delius after the timeout', async () => {
    const hanging = ((_url: string, init: RequestInit) =>
      new Promise((_resolve, reject) =>
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      )) as unknown as typeof fetch;
    const client = new DeliusApiClient({ baseUrl: 'http://delius.test', timeoutMs: 50, fetch: hanging });
    await expect(client.createContact('X412563', contact)).resolves.toEqual({
      kind: 'unavailable',
      reason: 'Delius did not answer within 50 ms.',
    });
  });

  it('refuses a CRN that is not canonical without calling Delius', async () => {
    const stub = stubFetch(201);
    const client = new DeliusApiClient({ baseUrl: 'http://delius.test', timeoutMs: 1000, fetch: stub.fetch });
    await expect(client.createContact('../control', contact)).resolves.toMatchObject({ kind: 'rejected', status: 400 });
    expect(stub.calls).toHaveLength(0);
  });

  it('reads a detail document, and says when there is none', async () => {
    const found = new DeliusApiClient({
      baseUrl: 'http://delius.test',
      timeoutMs: 1000,
      fetch: stubFetch(200, { person: { crn: 'X412563' } }).fetch,
    });
    await expect(found.getJson('http://delius.test/detail/x')).resolves.toEqual({
      kind: 'found',
      body: { person: { crn: 'X412563' } },
    });
    const missing = new DeliusApiClient({
      baseUrl: 'http://delius.test',
      timeoutMs: 1000,
      fetch: stubFetch(404).fetch,
    });
    await expect(missing.getJson('http://delius.test/detail/x')).resolves.toEqual({ kind: 'not-found' });
  });
});
