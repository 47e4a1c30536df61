import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LdAlertsClient } from './ld-alerts.client';
import type { ListedTodayAlert } from './listed-today-alert.builder';

const ALERT: ListedTodayAlert = {
  externalReference: 'e1',
  listedOn: '2026-12-01',
  court: { code: 'B01CY00' },
  person: { pncId: '2004/0046583U' },
};

/** A stand-in L&D system answering `status` and remembering the bodies it got. */
async function standIn(status: number): Promise<{ url: string; bodies: unknown[]; server: Server }> {
  const bodies: unknown[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push({ path: request.url, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
      response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sandbox/ld/x`, bodies, server };
}

function client(url: string): LdAlertsClient {
  return new LdAlertsClient({ partnerId: 'x', name: 'x', ldSystemUrl: url, courts: [] }, { LD_TIMEOUT_MS: 2_000 });
}

describe('LdAlertsClient', () => {
  it.each([
    [201, 'done'],
    [409, 'done'],
    [503, 'retry'],
    [429, 'retry'],
    [400, 'dead-letter'],
  ])('posts the alert to {ldSystemUrl}/alerts; an answer %i means %s', async (status, kind) => {
    const partner = await standIn(status);
    try {
      const outcome = await client(partner.url).post(ALERT);
      expect(outcome.kind).toBe(kind);
      expect(partner.bodies).toEqual([{ path: '/sandbox/ld/x/alerts', body: ALERT }]);
    } finally {
      partner.server.close();
    }
  });

  it('retries later when the partner cannot be reached', async () => {
    const partner = await standIn(201);
    partner.server.close();
    await new Promise((done) => partner.server.once('close', done));
    expect((await client(partner.url).post(ALERT)).kind).toBe('retry');
  });
});
