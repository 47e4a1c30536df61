import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PdsClient } from './pds.client';

/** A stand-in PDS answering by path: `/pds/Patient/<status>` answers that status. */
async function standIn(): Promise<{ base: string; paths: string[]; server: Server }> {
  const paths: string[] = [];
  const server = createServer((request, response) => {
    paths.push(request.url ?? '');
    const status = Number((request.url ?? '').split('/').pop());
    response
      .writeHead(status, { 'content-type': 'application/fhir+json' })
      .end(JSON.stringify({ resourceType: status === 200 ? 'Patient' : 'OperationOutcome' }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/pds`, paths, server };
}

describe('PdsClient', () => {
  let pds: Awaited<ReturnType<typeof standIn>>;
  let client: PdsClient;
  beforeAll(async () => {
    pds = await standIn();
    client = new PdsClient({ partnerId: 'pds', name: 'PDS', pdsBaseUrl: pds.base }, { PDS_TIMEOUT_MS: 2_000 });
  });
  afterAll(() => pds.server.close());

  it('reads GET {pdsBaseUrl}/Patient/{nhsNumber} and says what each answer means', async () => {
    expect(await client.readPatient('200')).toEqual({ kind: 'found', patient: { resourceType: 'Patient' } });
    expect(await client.readPatient('404')).toEqual({ kind: 'not-found' });
    expect(await client.readPatient('400')).toEqual({ kind: 'refused', status: 400 });
    expect(await client.readPatient('503')).toEqual({ kind: 'unavailable', reason: 'PDS answered 503' });
    expect(pds.paths).toEqual(['/pds/Patient/200', '/pds/Patient/404', '/pds/Patient/400', '/pds/Patient/503']);
  });

  it('fetches a dataref only under the PDS base URL', async () => {
    pds.paths.length = 0;
    expect(await client.readDataref(`${pds.base}/Patient/200`)).toMatchObject({ kind: 'found' });
    expect(await client.readDataref(`${pds.base.replace('/pds', '/other')}/Patient/200`)).toEqual({
      kind: 'not-allowed',
    });
    expect(await client.readDataref(`${pds.base}Evil/Patient/200`)).toEqual({ kind: 'not-allowed' });
    expect(pds.paths).toEqual(['/pds/Patient/200']);
  });

  it('counts an unreachable PDS as unavailable', async () => {
    const closed = new PdsClient(
      { partnerId: 'pds', name: 'PDS', pdsBaseUrl: 'http://127.0.0.1:1/pds' },
      { PDS_TIMEOUT_MS: 2_000 },
    );
    expect((await closed.readPatient('200')).kind).toBe('unavailable');
  });
});
