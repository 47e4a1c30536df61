import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { projectRoot } from '../local-stack/project-root';

/** Where config/partners.yaml points every partner system: the sandbox as `npm start` runs it. */
const SHIPPED_SANDBOX_URL = 'http://127.0.0.1:3200';

/**
 * A copy of config/partners.yaml whose partner system URLs (Delius API, detail allow-list, FHIR
 * base, L&D system, PDS) point at the sandbox actually running, for `PARTNERS_FILE`.
 */
export class PartnersFileCopy {
  private constructor(
    private readonly folder: string,
    readonly path: string,
  ) {}

  static write(sandboxUrl: string): PartnersFileCopy {
    const folder = mkdtempSync(path.join(tmpdir(), 'partners-'));
    const file = path.join(folder, 'partners.yaml');
    const shipped = readFileSync(path.join(projectRoot(), 'config/partners.yaml'), 'utf8');
    writeFileSync(file, shipped.replaceAll(SHIPPED_SANDBOX_URL, sandboxUrl.replace(/\/$/, '')));
    return new PartnersFileCopy(folder, file);
  }

  remove(): void {
    rmSync(this.folder, { recursive: true, force: true });
  }
}
