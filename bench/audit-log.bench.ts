/**
 * Audit benchmark (a one-off figure, not a test): on the benchmark's own PostgreSQL,
 *   (a) appends/s with 1 and 4 concurrent writers, 1 and 10 records per transaction;
 *   (b) verify rows/s over a chain of 100,000 records; the time to write a signed checkpoint of its
 *       head to a folder, and to verify against that checkpoint;
 *   (c) one person's timeline (search by identifier, newest 100) among 1,000,000 records.
 * The last line is one JSON object with the figures.
 *
 *   node tools/run-ts.js libs/audit/test/audit-log.bench.ts [--seconds 5 --verify-records 100000 --timeline-records 1000000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createAppDataSource } from '@cstr/messaging';
import { ensureIntegrationStack, uniqueName } from '@cstr/testing';
import { AUDIT_MIGRATIONS, AuditLog, FileCheckpointStore } from '@cstr/audit';
import type { DataSource } from 'typeorm';
import { delivered, PERSON } from '@cstr/fixtures/audit/audit-records';
import { benchOptions, runBench } from './bench-kit';

const OPTIONS = benchOptions({ seconds: 5, 'verify-records': 100_000, 'timeline-records': 1_000_000 });
const SECONDS = OPTIONS.seconds;
const VERIFY_RECORDS = OPTIONS['verify-records'];
const TIMELINE_RECORDS = OPTIONS['timeline-records'];
const KEY = 'audit-benchmark-key-0123456789abcdef';

async function open(url: string, schema: string): Promise<DataSource> {
  return createAppDataSource({
    url,
    schema,
    applicationName: `bench:${schema}`,
    migrations: AUDIT_MIGRATIONS,
    poolSize: 8,
  });
}

async function appendRate(
  url: string,
  writers: number,
  perTransaction: number,
): Promise<{ writers: number; perTransaction: number; recordsPerSecond: number; transactionsPerSecond: number }> {
  const schema = uniqueName('bench_audit_append');
  const dataSource = await open(url, schema);
  const audit = new AuditLog(dataSource, { key: KEY });
  let records = 0;
  let transactions = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < deadline) {
        await dataSource.transaction((tx) =>
          audit.append(
            tx,
            Array.from({ length: perTransaction }, () => delivered()),
          ),
        );
        records += perTransaction;
        transactions += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const check = await audit.verify();
  if (!check.ok || check.checked !== records)
    throw new Error(`chain broken after the append run: ${JSON.stringify(check)}`);
  await dataSource.query(`DROP SCHEMA ${schema} CASCADE`);
  await dataSource.destroy();
  return {
    writers,
    perTransaction,
    recordsPerSecond: Math.round(records / seconds),
    transactionsPerSecond: Math.round(transactions / seconds),
  };
}

async function verifyRate(url: string): Promise<{
  records: number;
  rowsPerSecond: number;
  seconds: number;
  checkpointMs: number;
  withCheckpointSeconds: number;
}> {
  const schema = uniqueName('bench_audit_verify');
  const dataSource = await open(url, schema);
  const audit = new AuditLog(dataSource, { key: KEY });
  for (let done = 0; done < VERIFY_RECORDS; done += 1000) {
    const count = Math.min(1000, VERIFY_RECORDS - done);
    await dataSource.transaction((tx) =>
      audit.append(
        tx,
        Array.from({ length: count }, () => delivered()),
      ),
    );
  }
  await dataSource.query('VACUUM ANALYZE audit_record');
  const started = performance.now();
  const result = await audit.verify();
  const seconds = (performance.now() - started) / 1000;
  if (!result.ok || result.checked !== VERIFY_RECORDS)
    throw new Error(`unexpected verification: ${JSON.stringify(result)}`);
  // A signed checkpoint of the head written to a folder, then verify against it.
  const folder = mkdtempSync(join(tmpdir(), 'bench-audit-checkpoints-'));
  try {
    const checkpointed = new AuditLog(dataSource, {
      key: KEY,
      checkpoints: await FileCheckpointStore.open(folder, { create: false }),
    });
    const before = performance.now();
    const written = await checkpointed.checkpoint();
    const checkpointMs = performance.now() - before;
    if (!written.written) throw new Error(`no checkpoint written: ${JSON.stringify(written)}`);
    const again = performance.now();
    const against = await checkpointed.verify();
    const withCheckpointSeconds = (performance.now() - again) / 1000;
    if (!against.ok || against.checkpoint?.seq !== VERIFY_RECORDS)
      throw new Error(`unexpected verification against the checkpoint: ${JSON.stringify(against)}`);
    await dataSource.query(`DROP SCHEMA ${schema} CASCADE`);
    await dataSource.destroy();
    return {
      records: VERIFY_RECORDS,
      rowsPerSecond: Math.round(VERIFY_RECORDS / seconds),
      seconds: Number(seconds.toFixed(2)),
      checkpointMs: Number(checkpointMs.toFixed(1)),
      withCheckpointSeconds: Number(withCheckpointSeconds.toFixed(2)),
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/**
 * Fills the table straight in SQL (the hashes are not valid: only the query is measured), one
 * person with 50 records among everybody else's, then times that person's newest 100.
 */
async function timeline(
  url: string,
): Promise<{ records: number; personRecords: number; coldMs: number; warmMs: number; plan: string }> {
  const schema = uniqueName('bench_audit_timeline');
  const dataSource = await open(url, schema);
  const audit = new AuditLog(dataSource, { key: KEY });
  await dataSource.query(`ALTER TABLE audit_record DISABLE TRIGGER USER`);
  await dataSource.query(
    `INSERT INTO audit_record (seq, recorded_at, kind, outcome, event_id, event_type, sender, recipient, agreement_id, agreement_version, flow_id,
       legal_basis, removed_elements, person_identifiers, prev_hash, hash, key_id)
     SELECT g, timestamptz '2026-01-01' + g * interval '1 second', 'decision', CASE WHEN g % 7 = 0 THEN 'refused' ELSE 'delivered' END,
       md5(g::text), 'treatment.appointment.attended', 'slam-mh', 'nps-london', 'cstr-south-london', 3, 'attendance-to-probation',
       '{"article6":"6(1)(e)"}'::jsonb, '["Patient.address"]'::jsonb,
       CASE WHEN g % $2 = 0
         THEN jsonb_build_array(jsonb_build_object('system', $3::text, 'value', $4::text))
         ELSE jsonb_build_array(jsonb_build_object('system', $3::text, 'value', lpad((g % 200000)::text, 10, '9')),
                                jsonb_build_object('system', $5::text, 'value', 'X' || lpad((g % 200000)::text, 6, '0'))) END,
       repeat('0', 64), md5(g::text) || md5(g::text), 'k1'
     FROM generate_series(1, $1::int) g`,
    [
      TIMELINE_RECORDS,
      Math.floor(TIMELINE_RECORDS / 50),
      PERSON.nhsNumber.system,
      PERSON.nhsNumber.value,
      PERSON.crn.system,
    ],
  );
  await dataSource.query('VACUUM ANALYZE audit_record');
  const time = async (): Promise<{ ms: number; count: number }> => {
    const started = performance.now();
    const page = await audit.search({ person: PERSON.nhsNumber }, { limit: 100 });
    const ms = performance.now() - started;
    if (!page.ok) throw new Error('search refused');
    return { ms, count: page.records.length };
  };
  const cold = await time();
  const warm = await time();
  const plan = (await dataSource.query(
    `EXPLAIN (ANALYZE, COSTS OFF) SELECT seq FROM audit_record WHERE person_identifiers @> $1::jsonb ORDER BY seq DESC LIMIT 101`,
    [JSON.stringify([PERSON.nhsNumber])],
  )) as { 'QUERY PLAN': string }[];
  await dataSource.query(`DROP SCHEMA ${schema} CASCADE`);
  await dataSource.destroy();
  return {
    records: TIMELINE_RECORDS,
    personRecords: cold.count,
    coldMs: Number(cold.ms.toFixed(1)),
    warmMs: Number(warm.ms.toFixed(1)),
    plan: plan.map((row) => row['QUERY PLAN'].trim()).join(' | '),
  };
}

async function main(): Promise<void> {
  const stack = await ensureIntegrationStack('bench');
  try {
    const appends = [];
    for (const writers of [1, 4]) {
      for (const perTransaction of [1, 10]) {
        const result = await appendRate(stack.databaseUrl, writers, perTransaction);
        console.log(
          `append: ${writers} writer(s), ${perTransaction} record(s)/transaction: ${result.recordsPerSecond} records/s (${result.transactionsPerSecond} transactions/s)`,
        );
        appends.push(result);
      }
    }
    const verify = await verifyRate(stack.databaseUrl);
    console.log(`verify: ${verify.records} records in ${verify.seconds} s = ${verify.rowsPerSecond} rows/s`);
    console.log(
      `checkpoint: written in ${verify.checkpointMs} ms; verify against it: ${verify.withCheckpointSeconds} s`,
    );
    const person = await timeline(stack.databaseUrl);
    console.log(
      `timeline: ${person.personRecords} records of one person among ${person.records}: ${person.coldMs} ms first, ${person.warmMs} ms again`,
    );
    console.log(JSON.stringify({ appends, verify, timeline: person }));
  } finally {
    await stack.stop();
  }
}

runBench(main);
