import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/**
 * The project folder: the nearest ancestor of this file whose package.json is cstr-hub's. The
 * same answer from the sources and from `dist/` after a build (where `__dirname` is one deeper).
 */
export function projectRoot(): string {
  if (cached) return cached;
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'cstr-hub') {
      cached = dir;
      return dir;
    }
  }
  throw new Error(`No cstr-hub package.json above ${__dirname}`);
}
