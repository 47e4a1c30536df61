import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectPath } from '@cstr/platform';

/** The console's files: fixed names only (no path from the request ever reaches the file system). */
const FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'flow-map.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

/** Where the console's files are, from the project root (the image copies them there too). */
export const CONSOLE_DIR = 'apps/hub/console';

/**
 * Headers of every console response: scripts, styles and requests only from the hub itself, no
 * inline script, no framing, no referrer, nothing cached.
 */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/** The console files, read once at start. */
export class ConsoleAssets {
  private readonly files = new Map<string, { body: Buffer; contentType: string }>();

  constructor(dir: string = projectPath(CONSOLE_DIR)) {
    for (const [name, contentType] of Object.entries(FILES))
      this.files.set(name, { body: readFileSync(join(dir, name)), contentType });
  }

  /** The file of that name, or undefined. */
  get(name: string): { body: Buffer; contentType: string } | undefined {
    return Object.hasOwn(FILES, name) ? this.files.get(name) : undefined;
  }
}
