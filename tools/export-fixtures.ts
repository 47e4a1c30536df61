/**
 * Writes the message Bundle of every event fixture (libs/fhir/test/fixtures/events), built by the
 * event builders, as `<event-type>.json` into a folder: for partners to see what the hub sends,
 * for the partner sandbox, and for external validators.
 *
 *   npm run fixtures:export -- <dir>     # <dir> relative to where you ran npm; created if missing
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { EVENT_TYPES } from '@cstr/contracts';
import { buildEventBundle } from '@cstr/fhir';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';

/** The usage line shown when the folder is missing. */
export const EXPORT_FIXTURES_USAGE =
  'usage: npm run fixtures:export -- <dir>   (writes one <event-type>.json message Bundle per event type)';

/** Builds every fixture's Bundle and writes it into `dir`; returns the files written. */
export function exportEventFixtures(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return EVENT_TYPES.map((type) => {
    const file = join(dir, `${type}.json`);
    writeFileSync(file, `${JSON.stringify(buildEventBundle(loadEventFixture(type)), null, 2)}\n`, 'utf8');
    return file;
  });
}

function main(argument: string | undefined): number {
  if (!argument || argument.trim() === '') {
    console.error(EXPORT_FIXTURES_USAGE);
    return 2;
  }
  // npm runs scripts from the project root; INIT_CWD is where the user typed the command.
  const dir = resolve(process.env.INIT_CWD ?? process.cwd(), argument);
  const files = exportEventFixtures(dir);
  const shown = relative(process.cwd(), dir);
  console.log(`${files.length} event Bundles written to ${shown && !shown.startsWith('..') ? shown : dir}`);
  return 0;
}

// Run as a script (tools/run-ts.js makes this file argv[1]), not when a test imports it.
if (process.argv[1] && resolve(process.argv[1]) === __filename) process.exitCode = main(process.argv[2]);
