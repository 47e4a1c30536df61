import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import { SANDBOX_SETTINGS, type SandboxSettings } from './sandbox-settings';

/** The fixture folders the stand-ins read (`<fixtures dir>/<folder>/<name>.json`). */
export type FixtureFolder = 'common-platform' | 'libra' | 'hmpps' | 'ld' | 'pds' | 'provider';

const FIXTURE_NAME = /^[a-z0-9][a-z0-9.-]*$/;

/** The realistic partner payloads shared with the mapper specs, read afresh on each use. */
@Injectable()
export class PartnerFixtures {
  constructor(@Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings) {}

  /** The fixture names of a folder (file names without `.json`); empty when the folder is absent. */
  names(folder: FixtureFolder): string[] {
    const dir = join(this.settings.fixturesDir, folder);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((file) => file.endsWith('.json'))
      .map((file) => file.slice(0, -'.json'.length))
      .sort();
  }

  /** A fixture's parsed JSON; a 404 OperationOutcome naming the known fixtures when there is none by that name. */
  load(folder: FixtureFolder, name: string): unknown {
    if (!FIXTURE_NAME.test(name) || !this.names(folder).includes(name)) {
      throw new OperationOutcomeError(
        404,
        operationOutcome(
          'error',
          'not-found',
          `No fixture ${JSON.stringify(name)} in ${folder}; known: ${this.names(folder).join(', ') || 'none'}`,
          ['fixture'],
        ),
      );
    }
    return JSON.parse(readFileSync(join(this.settings.fixturesDir, folder, `${name}.json`), 'utf8')) as unknown;
  }
}
