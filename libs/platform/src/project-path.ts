import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

let cached: string | undefined;

/**
 * The project folder: the nearest ancestor of this file whose package.json is cstr-hub's (the
 * same answer from the sources and from `dist/`, and in the image where `config/` sits beside it);
 * the working directory when there is none.
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
  return process.cwd();
}

/** A configured path: absolute as given, relative ones from the project root. */
export function projectPath(path: string): string {
  return isAbsolute(path) ? path : resolve(projectRoot(), path);
}
