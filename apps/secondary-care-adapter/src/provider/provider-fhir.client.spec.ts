import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Patient } from 'fhir/r4';
import { ProviderFhirClient } from './provider-fhir.client';

/** A tiny FHIR server on loopback answering each request with the next scripted answer. */
class ScriptedServer {
  readonly requests: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] = [];
  private answers: { status: number; body?: unknown; delayMs?: number }[] = [];
  private constructor(private readonly server: Server) {}

  static async start(): Promise<ScriptedServer> {
    const holder: { self?: ScriptedServer } = {};
    const server = createServer((request, response) => {
      const self = holder.self!;
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        self.requests.push({ method: request.method, url: request.url, headers: request.headers, body });
        const answer = self.answers.shift() ?? { status: 500 };
        setTimeout(() => {
          response.writeHead(answer.status, { 'content-type': 'application/fhir+json' });
          response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.self = new ScriptedServer(server);
    return holder.self;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/fhir/slam-mhtr`;
  }

  answer(...answers: { status: number; body?: unknown; delayMs?: number }[]): void {
    this.answers.push(...answers);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const patient: Patient = {
  resourceType: 'Patient',
  identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9990000123' }],
};
const query = 'identifier=https://fhir.nhs.uk/Id/nhs-number|9990000123';

describe('ProviderFhirClient (fhir-kit-client against a loopback server)', () => {
  let server: ScriptedServer;
  beforeEach(async () => (server = await ScriptedServer.start()));
  afterEach(() => server.close());

  it('creates conditionally: POST {type} with If-None-Exist, and returns the server resource', async () => {
    server.answer({ status: 201, body: { ...patient, id: 'p1', meta: { versionId: '1' } } });
    const result = await new ProviderFhirClient(server.baseUrl, 2000).conditionalCreate(patient, query);
    expect(result).toMatchObject({ kind: 'ok', resource: { id: 'p1' } });
    expect(server.requests[0]).toMatchObject({ method: 'POST', url: '/fhir/slam-mhtr/Patient' });
    expect(server.requests[0].headers['if-none-exist']).toBe(query);
    expect(JSON.parse(server.requests[0].body)).toEqual(patient);
  });

  it('returns the existing resource when the server found a match (200)', async () => {
    server.answer({ status: 200, body: { ...patient, id: 'existing' } });
    await expect(new ProviderFhirClient(server.baseUrl, 2000).conditionalCreate(patient, query)).resolves.toMatchObject(
      { kind: 'ok', resource: { id: 'existing' } },
    );
  });

  it('reports a refusal (412, several matches) as rejected, with the issue code only', async () => {
    server.answer({
      status: 412,
      body: {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'duplicate', diagnostics: 'Patient 9990000123 twice' }],
      },
    });
    const result = await new ProviderFhirClient(server.baseUrl, 2000).conditionalCreate(patient, query);
    expect(result).toEqual({ kind: 'rejected', status: 412, reason: 'The FHIR server answered 412 duplicate.' });
  });

  it('reports a 5xx as unavailable', async () => {
    server.answer({
      status: 503,
      body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient' }] },
    });
    await expect(new ProviderFhirClient(server.baseUrl, 2000).conditionalCreate(patient, query)).resolves.toEqual({
      kind: 'unavailable',
      reason: 'The FHIR server answered 503 transient.',
    });
  });

  it('gives up on a slow server after the timeout', async () => {
    server.answer({ status: 201, body: patient, delayMs: 1_000 });
    await expect(new ProviderFhirClient(server.baseUrl, 100).conditionalCreate(patient, query)).resolves.toEqual({
      kind: 'unavailable',
      reason: 'The FHIR server did not answer within 100 ms.',
    });
  });

  it('reports an unreachable server as unavailable', async () => {
    const baseUrl = server.baseUrl;
    await server.close();
    server = await ScriptedServer.start();
    await expect(new ProviderFhirClient(baseUrl, 2000).conditionalCreate(patient, query)).resolves.toMatchObject({
      kind: 'unavailable',
    });
  });
});
