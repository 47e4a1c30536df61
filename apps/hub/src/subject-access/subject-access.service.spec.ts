import type { AuditLog, AuditPageRequest, AuditRecord, AuditSearchFilter } from '@cstr/audit';
import { OperationOutcomeError } from '@cstr/contracts';
import type { PersonIndex } from '@cstr/identity';
import type { DataSource, EntityManager } from 'typeorm';
import type { SubjectAccessDocument } from './subject-access.document';
import { MAX_EXPORT_RECORDS, SubjectAccessService } from './subject-access.service';
import { auditRecord, TEST_IDENTIFIERS } from './subject-access-test-records';

const PERSON_ID = '6f1c2a4e-0000-4000-8000-000000000001';
/** The audit's search over `records`, `pageSize` at a time at most, by identifier and kind (as the real one filters). */
function auditOver(records: readonly AuditRecord[], pageSize: number) {
  const reads: { actor: string; description: string; identifiers: unknown }[] = [];
  const searches: AuditSearchFilter[] = [];
  const audit = {
    search: (filter: AuditSearchFilter, page: AuditPageRequest) => {
      searches.push(filter);
      const person = filter.person as { system: string; value: string };
      const matching = records.filter(
        (record) =>
          record.kind === filter.kind &&
          record.personIdentifiers.some((each) => each.system === person.system && each.value === person.value),
      );
      const start = Number(page.after ?? 0);
      const size = Math.min(page.limit, pageSize);
      const next = start + size < matching.length ? { next: String(start + size) } : {};
      return Promise.resolve({ ok: true, records: matching.slice(start, start + size), ...next });
    },
    recordRead: (
      _manager: EntityManager,
      actor: string,
      what: { description: string; personIdentifiers?: unknown },
    ) => {
      reads.push({ actor, description: what.description, identifiers: what.personIdentifiers });
      return Promise.resolve();
    },
  };
  return { audit: audit as unknown as AuditLog, reads, searches };
}

function service(records: readonly AuditRecord[], pageSize = 3) {
  const manager = {
    query: (sql: string) => Promise.resolve(sql.includes('FROM person WHERE') ? [{ id: PERSON_ID }] : []),
  };
  const dataSource = {
    transaction: (...args: unknown[]) => (args[args.length - 1] as (manager: unknown) => Promise<unknown>)(manager),
  };
  const persons = {
    findByIdentifier: (system: string) =>
      Promise.resolve(system === TEST_IDENTIFIERS[0].system ? PERSON_ID : undefined),
    identifiers: () => Promise.resolve(TEST_IDENTIFIERS),
  };
  const { audit, reads, searches } = auditOver(records, pageSize);
  return {
    exports: new SubjectAccessService(dataSource as unknown as DataSource, persons as unknown as PersonIndex, audit),
    reads,
    searches,
  };
}

describe('the subject access service', () => {
  it('reads every page for each of the person’s identifiers, lists each record once in chain order, and audits the export', async () => {
    const [nhs, crn] = TEST_IDENTIFIERS;
    const records = [
      ...Array.from({ length: 7 }, (_, index) => auditRecord(10 + index, { personIdentifiers: [nhs] })),
      // Carried both identifiers: found twice, listed once.
      auditRecord(5, { personIdentifiers: [nhs, crn] }),
      auditRecord(30, {
        personIdentifiers: [crn],
        kind: 'refusal-at-ingress',
        outcome: 'refused',
        refusingRule: 'invalid',
      }),
      // Not a disclosure or refusal: never asked for.
      auditRecord(40, { personIdentifiers: [nhs], kind: 'read', outcome: 'read', actor: 'ig-lead' }),
    ];
    const { exports, reads, searches } = service(records);
    const made = await exports.export({ value: '9990000123', system: 'nhs-number' }, 'ig-lead', 'json');
    const document = JSON.parse(made.body.toString('utf8')) as SubjectAccessDocument;
    expect(document.disclosures.map((row) => [row.eventId?.slice(-2), row.outcome])).toEqual([
      ['05', 'disclosed'],
      ...Array.from({ length: 7 }, (_, index) => [String(10 + index), 'disclosed']),
      ['30', 'refused-on-arrival'],
    ]);
    expect(new Set(searches.map((filter) => filter.kind))).toEqual(new Set(['decision', 'refusal-at-ingress']));
    expect(made.contentType).toBe('application/json; charset=utf-8');
    expect(made.fileName).toMatch(new RegExp(`^subject-access-\\d{4}-\\d{2}-\\d{2}-${PERSON_ID}\\.json$`));
    expect(reads).toEqual([
      {
        actor: 'ig-lead',
        description: `subject-access-export: GET /people/{identifier}/subject-access (format json) of hub person ${PERSON_ID} by ig-lead: 8 disclosures, 1 refusals, 0 consent events`,
        identifiers: TEST_IDENTIFIERS,
      },
    ]);
    expect(document.truncated).toBe(false);
  });

  it(`lists at most ${MAX_EXPORT_RECORDS} records, the oldest, and says the list is cut`, async () => {
    const records = Array.from({ length: MAX_EXPORT_RECORDS + 2 }, (_, index) => auditRecord(index + 1, {}));
    const { exports, reads } = service(records, Number.MAX_SAFE_INTEGER);
    const made = await exports.export({ value: '9990000123', system: 'nhs-number' }, 'ig-lead', 'csv');
    const lines = made.body.toString('utf8').trimEnd().split('\r\n');
    expect(lines).toHaveLength(MAX_EXPORT_RECORDS + 1);
    expect(lines[1]).toContain('00000000-0000-4000-8000-000000000001');
    expect(reads[0].description).toMatch(/ \(truncated\)$/);
  });

  it('answers a person nobody holds with a 404 OperationOutcome and audits nothing', async () => {
    const { exports, reads } = service([]);
    const refused = exports.export({ value: 'X412563', system: 'crn' }, 'ig-lead', 'pdf');
    await expect(refused).rejects.toBeInstanceOf(OperationOutcomeError);
    await expect(refused).rejects.toMatchObject({
      status: 404,
      outcome: { issue: [{ code: 'not-found' }] },
    });
    expect(reads).toEqual([]);
  });
});
