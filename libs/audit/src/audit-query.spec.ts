import { CRN_SYSTEM } from '@cstr/identity';
import { buildFlowsQuery, buildSearchQuery, MAX_PAGE_LIMIT } from './audit-query';

describe('buildSearchQuery', () => {
  it('without filters: newest first, one more row than the limit', () => {
    const built = buildSearchQuery({}, { limit: 50 });
    expect(built.ok && built.query.sql).toMatch(/FROM audit_record ORDER BY recorded_at DESC, seq DESC LIMIT \$1$/);
    expect(built.ok && built.query.params).toEqual([51]);
  });

  it('combines filters with AND, every value as a parameter', () => {
    const built = buildSearchQuery(
      {
        partner: "nps'; --",
        eventType: 'risk.changed',
        outcome: 'refused',
        kind: 'decision',
        from: '2026-05-01',
        to: '2026-06-01T00:00:00Z',
      },
      { limit: 10, after: '99', order: 'oldest-first' },
    );
    if (!built.ok) throw new Error('expected a query');
    expect(built.query.sql).toBe(
      'SELECT ' +
        built.query.sql.slice(7, built.query.sql.indexOf(' FROM')) +
        ' FROM audit_record WHERE (sender = $1 OR recipient = $1) AND event_type = $2 AND outcome = $3 AND kind = $4 AND recorded_at >= $5 AND recorded_at < $6 AND (recorded_at, seq) > (SELECT recorded_at, seq FROM audit_record WHERE seq = $7::bigint) ORDER BY recorded_at ASC, seq ASC LIMIT $8',
    );
    expect(built.query.params).toEqual([
      "nps'; --",
      'risk.changed',
      'refused',
      'decision',
      new Date('2026-05-01T00:00:00Z'),
      new Date('2026-06-01T00:00:00Z'),
      '99',
      11,
    ]);
  });

  it('finds a person by identifier (normalised) or by a bare value in any of its normalised forms', () => {
    const withSystem = buildSearchQuery({ person: { system: CRN_SYSTEM, value: 'x123456' } }, { limit: 1 });
    expect(withSystem.ok && withSystem.query.params[0]).toBe(
      JSON.stringify([{ system: CRN_SYSTEM, value: 'X123456' }]),
    );
    const bare = buildSearchQuery({ person: ' x123456 ' }, { limit: 1 });
    expect(bare.ok && bare.query.sql).toContain('(person_identifiers @> $1::jsonb OR person_identifiers @> $2::jsonb)');
    expect(bare.ok && bare.query.params.slice(0, 2)).toEqual([
      JSON.stringify([{ value: 'x123456' }]),
      JSON.stringify([{ value: 'X123456' }]),
    ]);
  });

  it.each<[string, object, object, string[]]>([
    ['a limit of 0', {}, { limit: 0 }, ['limit']],
    ['a limit above the maximum', {}, { limit: MAX_PAGE_LIMIT + 1 }, ['limit']],
    ['a fractional limit', {}, { limit: 1.5 }, ['limit']],
    ['a cursor that is not one', {}, { limit: 5, after: '1 OR 1=1' }, ['after']],
    ['an unknown order', {}, { limit: 5, order: 'random' }, ['order']],
    ['an unknown outcome and kind', { outcome: 'lost', kind: 'gossip' }, { limit: 5 }, ['outcome', 'kind']],
    ['a date-time without time zone', { from: '2026-05-01T10:00' }, { limit: 5 }, ['from']],
    ['an impossible date', { to: '2026-02-31' }, { limit: 5 }, ['to']],
    ['from after to', { from: '2026-06-01', to: '2026-05-01' }, { limit: 5 }, ['from']],
    ['an empty partner', { partner: '' }, { limit: 5 }, ['partner']],
    ['a person that is neither', { person: { system: CRN_SYSTEM } }, { limit: 5 }, ['person']],
  ])('answers %s with an OperationOutcome, not a query', (_name, filter, page, fields) => {
    const built = buildSearchQuery(filter as never, page as never);
    expect(built.ok).toBe(false);
    if (!built.ok) expect(built.outcome.issue.map((issue) => issue.expression?.[0])).toEqual(fields);
  });

  it('does not throw on missing arguments', () => {
    expect(buildSearchQuery(undefined as never, undefined as never)).toMatchObject({
      ok: false,
      outcome: { issue: [{ expression: ['limit'] }] },
    });
  });
});

describe('buildFlowsQuery', () => {
  it('counts decisions in the period', () => {
    const built = buildFlowsQuery({ from: '2026-05-01', to: '2026-06-01' });
    expect(built.ok && built.query.sql).toMatch(
      /WHERE kind IN \('decision', 'kept-by-hub'\) AND recorded_at >= \$1 AND recorded_at < \$2/,
    );
  });

  it('refuses a bad period', () => {
    expect(buildFlowsQuery({ from: 'last week' })).toMatchObject({
      ok: false,
      outcome: { issue: [{ expression: ['from'] }] },
    });
  });
});
