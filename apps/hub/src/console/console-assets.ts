import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { projectPath } from '@cstr/platform';

/** The console's page and style sheet: fixed names (no path from the request ever reaches the file system). */
const STATIC_FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};
const SCRIPT_TYPE = 'text/javascript; charset=utf-8';
/** The script every page loads (the modules it imports come with it). */
const ENTRY_SCRIPT = 'console.js';

/** Where the console's page and style sheet are, from the project root (the image copies them there too). */
export const CONSOLE_DIR = 'apps/hub/console';
/**
 * Where its scripts are: the build (`npm run build`) compiles the TypeScript of {@link CONSOLE_DIR}
 * (its own tsconfig: browser, ES modules) into this folder, which the image carries in `dist/`.
 */
export const CONSOLE_SCRIPTS_DIR = 'dist/apps/hub/console';

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

/**
 * The console files, read once at start: the page and style sheet, and every compiled script
 * (`*.js`) of the scripts folder. A hub started without the compiled scripts (tests that never
 * build) still serves its API; the console then says it is not built.
 */
export class ConsoleAssets {
  private readonly logger = new Logger(ConsoleAssets.name);
  private readonly files = new Map<string, { body: Buffer; contentType: string }>();

  constructor(dir: string = projectPath(CONSOLE_DIR), scriptsDir: string = projectPath(CONSOLE_SCRIPTS_DIR)) {
    for (const [name, contentType] of Object.entries(STATIC_FILES))
      this.files.set(name, { body: readFileSync(join(dir, name)), contentType });
    const scripts = existsSync(scriptsDir) ? readdirSync(scriptsDir).filter((name) => name.endsWith('.js')) : [];
    for (const name of scripts)
      this.files.set(name, { body: readFileSync(join(scriptsDir, name)), contentType: SCRIPT_TYPE });
    if (!scripts.includes(ENTRY_SCRIPT))
      this.logger.warn(`The console's scripts are not built (${scriptsDir}): run npm run build to serve /console.`);
  }

  /** The file of that name, or undefined. */
  get(name: string): { body: Buffer; contentType: string } | undefined {
    return this.files.get(name);
  }
}
