import 'reflect-metadata';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, projectPath } from '@cstr/platform';
import { testEnvironment, uniqueName } from '@cstr/testing';
import { hubApp } from '../src/hub.app';

/** The hub does not start on a bad policy file, and says where the problem is. */
describe('hub boot with a bad agreement file', () => {
  const env = testEnvironment();
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hub-agreements-'));
    const good = readFileSync(projectPath('config/agreements/cstr-south-london-court.yaml'), 'utf8');
    writeFileSync(join(dir, 'court.yaml'), good.replace(/^version: \d+$/m, 'version: two'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to start, naming the file, the line and the reason', async () => {
    const booting = createApp(hubApp, {
      RABBITMQ_URL: env.hubUrl,
      DATABASE_URL: env.databaseUrl,
      DATABASE_SCHEMA: uniqueName('hub_bad_policy'),
      HTTP_PORT: '0',
      LOG_LEVEL: 'error',
      AGREEMENTS_DIR: dir,
    });
    await expect(booting).rejects.toThrow(/court\.yaml:\d+ version: version must be a whole number/);
  });
});
