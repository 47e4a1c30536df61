import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BaseAppConfig } from './base-app.config';
import { ConfigError } from './load-config';
import { databaseUrlWithCa, httpsOptions } from './tls';

describe('databaseUrlWithCa', () => {
  it('adds the CA to a verify-full or verify-ca URL that names none', () => {
    expect(databaseUrlWithCa('postgres://app:pw@db:5432/cstr?sslmode=verify-full', '/etc/ca.pem')).toBe(
      'postgres://app:pw@db:5432/cstr?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem',
    );
    expect(databaseUrlWithCa('postgres://db/cstr?sslmode=verify-ca', '/ca.pem')).toContain('sslrootcert=');
  });

  it('keeps any other URL as given: its own CA, no TLS asked, or no CA configured', () => {
    const own = 'postgres://db/cstr?sslmode=verify-full&sslrootcert=/mine.pem';
    expect(databaseUrlWithCa(own, '/etc/ca.pem')).toBe(own);
    expect(databaseUrlWithCa('postgres://db/cstr', '/etc/ca.pem')).toBe('postgres://db/cstr');
    expect(databaseUrlWithCa('postgres://db/cstr?sslmode=disable', '/etc/ca.pem')).toBe(
      'postgres://db/cstr?sslmode=disable',
    );
    expect(databaseUrlWithCa('postgres://db/cstr?sslmode=verify-full', undefined)).toBe(
      'postgres://db/cstr?sslmode=verify-full',
    );
  });
});

describe('httpsOptions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cstr-https-options-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const config = (keys: Partial<BaseAppConfig>): BaseAppConfig => Object.assign(new BaseAppConfig(), keys);

  it('serves plain HTTP without a certificate, and HTTPS with both files', () => {
    expect(httpsOptions(config({}))).toBeUndefined();
    writeFileSync(join(dir, 'cert.pem'), 'CERT');
    writeFileSync(join(dir, 'key.pem'), 'KEY');
    expect(
      httpsOptions(config({ HTTPS_CERT_FILE: join(dir, 'cert.pem'), HTTPS_KEY_FILE: join(dir, 'key.pem') })),
    ).toEqual({ cert: Buffer.from('CERT'), key: Buffer.from('KEY') });
  });

  it('refuses half a certificate or a file it cannot read, naming the key', () => {
    expect(() => httpsOptions(config({ HTTPS_CERT_FILE: join(dir, 'cert.pem') }))).toThrow(/HTTPS_KEY_FILE/);
    expect(() => httpsOptions(config({ HTTPS_CERT_FILE: join(dir, 'cert.pem') }))).toThrow(ConfigError);
    expect(() =>
      httpsOptions(config({ HTTPS_CERT_FILE: join(dir, 'missing.pem'), HTTPS_KEY_FILE: join(dir, 'key.pem') })),
    ).toThrow(/HTTPS_CERT_FILE: cannot be read \(ENOENT\)/);
  });
});
