import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppDefinition, BaseAppConfig, ConfigError, createApp } from '@cstr/platform';
import { ensureLocalTls, eventually, testEnvironment, uniqueName, type LocalTlsFiles } from '@cstr/testing';
import { hubApp } from '../apps/hub/src/hub.app';
import { ldAdapterApp } from '../apps/ld-adapter/src/ld-adapter.app';

/** What Node says of a server certificate from a CA it does not trust (with or without the CA in the chain). */
const UNTRUSTED = /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN)$/;

interface Answer {
  readonly status: number;
  readonly body: { status?: string; tls?: boolean; checks?: Record<string, string> };
}

/** GET over HTTPS trusting only `ca`. */
function getHttps(port: number, path: string, ca: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, ca, servername: 'localhost' }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer['body'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** GET in clear: resolves with the status, or rejects when the server does not speak HTTP. */
function getHttp(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * The apps serve HTTPS when given a certificate (HTTPS_CERT_FILE, HTTPS_KEY_FILE) and say so in
 * GET /health, over the TLS-only broker and database of the test stack.
 */
describe('apps serve HTTPS with a given certificate', () => {
  const env = testEnvironment();
  const folder = mkdtempSync(join(tmpdir(), 'cstr-https-e2e-'));
  const opened: INestApplication[] = [];
  let tls: LocalTlsFiles;

  beforeAll(async () => {
    tls = (await ensureLocalTls({ dir: join(folder, 'tls') })).files;
  });

  afterEach(async () => {
    for (const app of opened.splice(0)) await app.close();
  });

  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  async function boot<C extends BaseAppConfig>(
    definition: AppDefinition<C>,
    extra: Record<string, string>,
  ): Promise<{ app: INestApplication; port: number }> {
    const app = await createApp(definition, {
      DATABASE_URL: env.databaseUrl,
      DATABASE_SCHEMA: uniqueName(definition.name.replace(/-/g, '_')),
      HTTP_PORT: '0',
      LOG_LEVEL: 'warn',
      ...extra,
    });
    opened.push(app);
    const address = (app.getHttpServer() as { address(): { port: number } }).address();
    return { app, port: address.port };
  }

  it('the hub answers GET /health over HTTPS, trusted with the CA, with tls: true; HTTP in clear gets no answer', async () => {
    const { port } = await boot(hubApp as unknown as AppDefinition<BaseAppConfig>, {
      RABBITMQ_URL: env.hubUrl,
      HTTPS_CERT_FILE: tls.serverCertFile,
      HTTPS_KEY_FILE: tls.serverKeyFile,
    });
    const ca = readFileSync(tls.caFile);
    const answer = await eventually(
      () => getHttps(port, '/health', ca),
      (result) => result.status === 200,
      10_000,
    );
    expect(answer.body).toMatchObject({ status: 'pass', tls: true, checks: { broker: 'up', database: 'up' } });
    await expect(getHttp(port, '/health')).rejects.toThrow();
    // A client that trusts another CA is refused in the handshake.
    const other = await ensureLocalTls({ dir: join(folder, 'other-ca') });
    await expect(getHttps(port, '/health', readFileSync(other.files.caFile))).rejects.toMatchObject({
      code: expect.stringMatching(UNTRUSTED),
    });
  });

  it('an adapter serves HTTPS too, and trusts the broker through TLS_CA_FILE when its URL names no CA', async () => {
    const partnerId = 'sl-liaison-diversion';
    const url = new URL(env.partnerUrls[partnerId]);
    const stackCa = url.searchParams.get('cacertfile');
    url.searchParams.delete('cacertfile');
    const { port } = await boot(ldAdapterApp, {
      RABBITMQ_URL: url.toString(),
      TLS_CA_FILE: stackCa ?? '',
      PARTNER_ID: partnerId,
      HTTPS_CERT_FILE: tls.serverCertFile,
      HTTPS_KEY_FILE: tls.serverKeyFile,
    });
    const answer = await eventually(
      () => getHttps(port, '/health', readFileSync(tls.caFile)),
      (result) => result.status === 200 && result.body.checks?.consumer === 'up',
      10_000,
    );
    expect(answer.body).toMatchObject({ tls: true, checks: { broker: 'up', database: 'up', consumer: 'up' } });
  });

  it('without a certificate an app says tls: false; with half of one it does not start', async () => {
    const { port } = await boot(hubApp as unknown as AppDefinition<BaseAppConfig>, { RABBITMQ_URL: env.hubUrl });
    const answer = await eventually(
      () =>
        new Promise<Answer>((resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port, path: '/health' }, (res) => {
            let text = '';
            res.on('data', (chunk: Buffer) => (text += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Answer['body'] }));
          });
          req.on('error', reject);
          req.end();
        }),
      (result) => result.status === 200,
      10_000,
    );
    expect(answer.body.tls).toBe(false);
    await expect(
      createApp(hubApp as unknown as AppDefinition<BaseAppConfig>, {
        RABBITMQ_URL: env.hubUrl,
        DATABASE_URL: env.databaseUrl,
        HTTP_PORT: '0',
        HTTPS_CERT_FILE: tls.serverCertFile,
      }),
    ).rejects.toThrow(ConfigError);
  });
});
