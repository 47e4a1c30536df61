/** Boots the sandbox's module in-process (no broker, no database) and a local receiver standing in for the adapters. */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Global, type INestApplication, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { APP_CONFIG, loadConfig, OperationOutcomeFilter } from '@cstr/platform';
import { configureSandboxHttp } from '../src/partner-sandbox.app';
import { PartnerSandboxConfig } from '../src/partner-sandbox.config';
import { PartnerSandboxModule } from '../src/partner-sandbox.module';

/** One request the receiver got. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** A tiny HTTP server on 127.0.0.1 standing in for the adapters and subscribers. */
export class TestReceiver {
  readonly requests: ReceivedRequest[] = [];
  /** The status the receiver answers. */
  status = 202;
  private waiters: (() => void)[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<TestReceiver> {
    const receiver: TestReceiver = new TestReceiver(
      createServer((request, response) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          receiver.requests.push({
            method: request.method ?? '',
            url: request.url ?? '',
            headers: request.headers,
            body: text ? (JSON.parse(text) as unknown) : undefined,
          });
          response.writeHead(receiver.status, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
          for (const waiter of receiver.waiters.splice(0)) waiter();
        });
      }),
    );
    await new Promise<void>((done) => receiver.server.listen(0, '127.0.0.1', done));
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once at least `count` requests arrived (fails the test after 5 s). */
  async waitFor(count: number): Promise<ReceivedRequest[]> {
    const deadline = Date.now() + 5_000;
    while (this.requests.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} requests, got ${this.requests.length}`);
      await new Promise<void>((done) => {
        this.waiters.push(done);
        setTimeout(done, 100);
      });
    }
    return this.requests;
  }

  reset(): void {
    this.requests.length = 0;
    this.status = 202;
  }

  async close(): Promise<void> {
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}

/** The project's partners file: every test partner pushes to `receiverUrl`. */
export const PARTNER_IDS = [
  'croydon-mc',
  'camberwell-green-mc',
  'sl-liaison-diversion',
  'nps-london-croydon',
  'nps-london-lambeth',
  'slam-mhtr',
  'st-andrews-mhtr',
  'pds-gp-registration',
];

/** The operator secret the test sandboxes run with (made per run, never committed). */
export const OPERATOR_SECRET = `test-operator-${randomBytes(16).toString('hex')}`;

/** Operator tokens by HTTP server of a booted sandbox. */
const operatorTokens = new WeakMap<object, string>();

/**
 * A supertest agent on a booted sandbox's server that sends the operator's bearer token: the
 * partner APIs (Delius, FHIR, PDS) refuse calls without a token of their client or the operator.
 */
export function asOperator(server: object): ReturnType<typeof request.agent> {
  const token = operatorTokens.get(server);
  if (!token) throw new Error('Not a sandbox booted by bootSandbox');
  return request.agent(server as Parameters<typeof request.agent>[0]).set('authorization', `Bearer ${token}`);
}

/** Boots the sandbox module with the real config loader, partners file, fixtures and cases file. */
export async function bootSandbox(receiverUrl: string, extra: Record<string, string> = {}): Promise<INestApplication> {
  const config = loadConfig(PartnerSandboxConfig, {
    RABBITMQ_URL: 'amqp://unused@127.0.0.1:1/cstr',
    DATABASE_URL: 'postgres://unused@127.0.0.1:1/cstr',
    PARTNERS_FILE: join(__dirname, '..', '..', '..', 'config', 'partners.yaml'),
    SANDBOX_ADAPTER_URLS: JSON.stringify(Object.fromEntries(PARTNER_IDS.map((id) => [id, `${receiverUrl}/${id}`]))),
    LOG_LEVEL: 'error',
    SANDBOX_OPERATOR_SECRET: OPERATOR_SECRET,
    ...extra,
  });

  @Global()
  @Module({ providers: [{ provide: APP_CONFIG, useValue: config }], exports: [APP_CONFIG] })
  class TestPlatformModule {}

  const moduleRef = await Test.createTestingModule({ imports: [TestPlatformModule, PartnerSandboxModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  app.useGlobalFilters(new OperationOutcomeFilter());
  configureSandboxHttp(app);
  await app.listen(0, '127.0.0.1');
  const token = await request(app.getHttpServer())
    .post('/sandbox/oauth/token')
    .auth('sandbox-operator', OPERATOR_SECRET)
    .type('form')
    .send({ grant_type: 'client_credentials' });
  if (token.status !== 200) throw new Error(`The operator token was refused: ${token.status}`);
  operatorTokens.set(app.getHttpServer() as object, (token.body as { access_token: string }).access_token);
  return app;
}
