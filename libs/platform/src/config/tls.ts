import { readFileSync } from 'node:fs';
import type { HttpsOptions } from '@nestjs/common/interfaces/external/https-options.interface';
import type { BaseAppConfig } from './base-app.config';
import { ConfigError } from './load-config';

/**
 * The `https.createServer` options of an app given `HTTPS_CERT_FILE` and `HTTPS_KEY_FILE` (both
 * or neither: a {@link ConfigError} names the missing one), or undefined for plain HTTP (TLS
 * terminated at a proxy in front, or loopback only). The files are read once, at boot.
 */
export function httpsOptions(config: BaseAppConfig): HttpsOptions | undefined {
  const { HTTPS_CERT_FILE: certFile, HTTPS_KEY_FILE: keyFile } = config;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) {
    const missing = certFile ? 'HTTPS_KEY_FILE' : 'HTTPS_CERT_FILE';
    throw new ConfigError([
      { key: missing, problem: 'is required with HTTPS_CERT_FILE / HTTPS_KEY_FILE (both or neither)' },
    ]);
  }
  const read = (key: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new ConfigError([{ key, problem: `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})` }]);
    }
  };
  return { cert: read('HTTPS_CERT_FILE', certFile), key: read('HTTPS_KEY_FILE', keyFile) };
}

/**
 * A database URL trusting `caFile` when it asks to verify the server (`sslmode=verify-ca` or
 * `verify-full`) and names no CA (`sslrootcert`); any other URL as it is (a user's plain URL included).
 */
export function databaseUrlWithCa(url: string, caFile: string | undefined): string {
  if (!caFile) return url;
  try {
    const parsed = new URL(url);
    const mode = parsed.searchParams.get('sslmode');
    if ((mode === 'verify-full' || mode === 'verify-ca') && !parsed.searchParams.has('sslrootcert')) {
      parsed.searchParams.set('sslrootcert', caFile);
      return parsed.toString();
    }
  } catch {
    // Not a URL: validation reports it.
  }
  return url;
}
