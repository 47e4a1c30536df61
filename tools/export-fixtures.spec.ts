import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_TYPES, EVENT_TYPE_SYSTEM } from '@cstr/contracts';
import type { Bundle, MessageHeader } from 'fhir/r4';
import { EXPORT_FIXTURES_USAGE, exportEventFixtures } from './export-fixtures';

const ROOT = join(__dirname, '..');

describe('fixtures:export', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cstr-fixtures-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one message Bundle per event type, named <event-type>.json', () => {
    const target = join(dir, 'bundles');
    const files = exportEventFixtures(target);
    expect(files).toHaveLength(EVENT_TYPES.length);
    expect(readdirSync(target).sort()).toEqual(EVENT_TYPES.map((type) => `${type}.json`).sort());
    for (const type of EVENT_TYPES) {
      const bundle = JSON.parse(readFileSync(join(target, `${type}.json`), 'utf8')) as Bundle;
      expect(bundle.type).toBe('message');
      expect((bundle.entry?.[0].resource as MessageHeader).eventCoding).toMatchObject({
        system: EVENT_TYPE_SYSTEM,
        code: type,
      });
    }
  });

  it('writes the same bytes every time (ids derived from the event ids)', () => {
    exportEventFixtures(join(dir, 'a'));
    exportEventFixtures(join(dir, 'b'));
    for (const type of EVENT_TYPES) {
      expect(readFileSync(join(dir, 'b', `${type}.json`), 'utf8')).toBe(
        readFileSync(join(dir, 'a', `${type}.json`), 'utf8'),
      );
    }
  });

  it('runs from the command line, and without a folder exits 2 with the usage', () => {
    const withoutDir = spawnSync(process.execPath, ['tools/run-ts.js', 'tools/export-fixtures.ts'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(withoutDir.status).toBe(2);
    expect(withoutDir.stderr).toContain(EXPORT_FIXTURES_USAGE);

    const withDir = spawnSync(process.execPath, ['tools/run-ts.js', 'tools/export-fixtures.ts', join(dir, 'cli')], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, INIT_CWD: ROOT },
    });
    expect(withDir.status).toBe(0);
    expect(withDir.stdout).toContain(`${EVENT_TYPES.length} event Bundles written`);
    expect(readdirSync(join(dir, 'cli'))).toHaveLength(EVENT_TYPES.length);
  });
});
