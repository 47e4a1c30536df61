import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectPath } from '../project-path';
import {
  ADAPTER_RETENTION_CLASSES,
  checkRetentionConfig,
  dueBefore,
  HUB_RETENTION_CLASSES,
  loadRetentionConfig,
  parsePeriod,
  RetentionConfigError,
} from './retention-config';

/** A valid document: every class with a period and a source. */
function document(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    classes: {
      'dead-letter-bodies': { keep: 'P90D', source: 'operational copy' },
      'person-state-and-index': { keep: 'P20Y', source: 'mental health records' },
      'report-facts': { keep: 'P8Y', source: 'adult records' },
      'audit-personal-data': { keep: 'P20Y', source: 'as the records' },
      'partner-payload-archives': { keep: 'P90D', enforcedBy: 'hmcts-listings-adapter', source: 'copy' },
      'known-gp-registrations': { keep: 'P3Y', enforcedBy: 'gp-registration-adapter', source: 'copy' },
      'delivered-copies': { keep: 'not-kept', source: 'not kept' },
      ...overrides,
    },
  };
}

function problemsOf(value: unknown): readonly string[] {
  try {
    checkRetentionConfig(value, 'retention.yaml');
  } catch (error) {
    if (error instanceof RetentionConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('config/retention.yaml', () => {
  it('the shipped file is valid and sets every class the hub and the adapters purge', () => {
    const config = loadRetentionConfig(projectPath('config/retention.yaml'));
    for (const dataClass of [...HUB_RETENTION_CLASSES, ...ADAPTER_RETENTION_CLASSES]) {
      expect(config.classes[dataClass].keep.text).toMatch(/^P/);
      expect(config.classes[dataClass].source.length).toBeGreaterThan(20);
    }
    expect(config.classes['person-state-and-index'].keep).toMatchObject({ years: 20, months: 0, days: 0 });
    expect(config.others['delivered-copies'].keep).toBe('not-kept');
    expect(config.classes['partner-payload-archives']).toMatchObject({
      keep: { text: 'P90D', years: 0, months: 0, days: 90 },
      enforcedBy: 'hmcts-listings-adapter',
    });
    expect(config.classes['known-gp-registrations']).toMatchObject({
      keep: { text: 'P3Y', years: 3, months: 0, days: 0 },
      enforcedBy: 'gp-registration-adapter',
    });
    expect(config.classes['dead-letter-bodies'].enforcedBy).toBeUndefined();
  });

  it('an adapter class needs a period (not not-kept) and the app that purges it', () => {
    expect(
      problemsOf(document({ 'partner-payload-archives': { keep: 'not-kept', enforcedBy: 'x', source: 'copy' } })),
    ).toEqual([expect.stringMatching(/^classes\.partner-payload-archives\.keep: must be an ISO 8601 period/)]);
    expect(problemsOf(document({ 'partner-payload-archives': { keep: 'P30D', source: 'copy' } }))).toEqual([
      'classes.partner-payload-archives.enforcedBy: must name the app that purges it',
    ]);
    expect(
      problemsOf(document({ 'partner-payload-archives': { keep: 'P30D', enforcedBy: ' ', source: 'copy' } })),
    ).toEqual(['classes.partner-payload-archives.enforcedBy: must name the app that purges it']);
  });

  it('reads periods of years, months, weeks and days', () => {
    expect(parsePeriod('P20Y')).toEqual({ text: 'P20Y', years: 20, months: 0, days: 0 });
    expect(parsePeriod('P1Y6M')).toEqual({ text: 'P1Y6M', years: 1, months: 6, days: 0 });
    expect(parsePeriod('P2W3D')).toEqual({ text: 'P2W3D', years: 0, months: 0, days: 17 });
    for (const bad of ['P', 'P0D', '20Y', 'P1H', 'PT1H', '-P1D', 90, null, 'P1.5Y'])
      expect({ bad, period: parsePeriod(bad) }).toEqual({ bad, period: undefined });
  });

  it('names every bad key at once: unknown class, missing class, bad period, no source, not-kept where the hub keeps it', () => {
    const problems = problemsOf(
      document({
        'dead-letter-bodies': { keep: '90 days', source: 'x' },
        'report-facts': { keep: 'P8Y' },
        'audit-personal-data': { keep: 'not-kept', source: 'x' },
        'raw-payloads': { keep: 'P1Y', source: 'x' },
        'person-state-and-index': undefined,
      }),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^classes\.raw-payloads: unknown data class/),
        expect.stringMatching(/^classes\.dead-letter-bodies\.keep: must be an ISO 8601 period/),
        'classes.report-facts.source: must say where the period comes from',
        expect.stringMatching(/^classes\.audit-personal-data\.keep: must be an ISO 8601 period/),
        'classes.person-state-and-index: missing (a mapping with keep and source)',
      ]),
    );
    expect(problems).toHaveLength(5);
    expect(problemsOf(document())).toEqual([]);
  });

  it('refuses a document that is not a mapping of classes, or has other keys', () => {
    expect(problemsOf('just text')).toContain('the file must be a mapping with classes');
    expect(problemsOf({ classes: [] })).toContain('classes: must be a mapping of data classes');
    expect(problemsOf({ ...document(), purge: {} })).toContain('purge: unknown key');
  });

  it('a file that is not YAML, or missing, stops with the file named', () => {
    const folder = mkdtempSync(join(tmpdir(), 'retention-'));
    try {
      const file = join(folder, 'retention.yaml');
      writeFileSync(file, 'classes:\n  dead-letter-bodies: { keep: P90D\n');
      expect(() => loadRetentionConfig(file)).toThrow(RetentionConfigError);
      expect(() => loadRetentionConfig(file)).toThrow(/retention\.yaml is invalid:\n {2}cannot be read as YAML/);
      expect(() => loadRetentionConfig(join(folder, 'none.yaml'))).toThrow(
        /none\.yaml is invalid:\n {2}cannot be read as YAML: not found/,
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('counts periods back on the calendar, a missing day becoming the last day of the month', () => {
    const now = new Date('2026-03-31T12:00:00.000Z');
    expect(dueBefore({ text: 'P1M', years: 0, months: 1, days: 0 }, now).toISOString()).toBe(
      '2026-02-28T12:00:00.000Z',
    );
    expect(dueBefore({ text: 'P20Y', years: 20, months: 0, days: 0 }, now).toISOString()).toBe(
      '2006-03-31T12:00:00.000Z',
    );
    expect(dueBefore({ text: 'P90D', years: 0, months: 0, days: 90 }, now).toISOString()).toBe(
      '2025-12-31T12:00:00.000Z',
    );
    expect(
      dueBefore({ text: 'P1Y', years: 1, months: 0, days: 0 }, new Date('2028-02-29T00:00:00.000Z')).toISOString(),
    ).toBe('2027-02-28T00:00:00.000Z');
  });
});
