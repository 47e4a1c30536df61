import { AuditLog, type AuditRecord } from '@cstr/audit';
import { PersonIndex } from '@cstr/identity';
import {
  deleteDueRows,
  dueBefore,
  HUB_RETENTION_CLASSES,
  type HubRetentionClass,
  type RetentionConfig,
} from '@cstr/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { PersonStateRepository } from '../ingress/person-state.repository';
import { PathwayRepository } from '../pathway/pathway.repository';

/** The actor of the purge's audit records. */
export const RETENTION_ACTOR = 'hub-retention';

/** What one run did to one class. */
export interface ClassPurgeOutcome {
  readonly dataClass: HubRetentionClass;
  /** Rows (persons, audit records) deleted or erased by this run. */
  readonly deleted: number;
  /** Pathway rows deleted with the persons and those left by erasures (`person-state-and-index` only). */
  readonly pathwayRows?: number;
  /** Data from before this moment was due. */
  readonly dueBefore: Date;
  /** The audit record of the run; none when nothing was due. */
  readonly record?: AuditRecord;
}

/** Options of {@link RetentionPurge}. */
export interface RetentionPurgeOptions {
  /** Rows claimed at a time. */
  readonly batchSize: number;
  /** Batches one run takes per class at most (the rest waits for the next run). Default 20. */
  readonly maxBatches?: number;
  readonly now?: () => Date;
}

/** What one batch did: the rows of the class it claimed, and the pathway rows that went with persons. */
interface Batch {
  readonly claimed: number;
  readonly pathwayRows: number;
}

/** Deletes (or erases) at most `limit` due rows of one class in `tx`. */
type PurgeStep = (tx: EntityManager, before: Date, limit: number) => Promise<Batch>;

const rowsOnly = (claimed: number): Batch => ({ claimed, pathwayRows: 0 });

/** What each class's count counts, for the audit record. */
const UNITS: Readonly<Record<HubRetentionClass, string>> = {
  'dead-letter-bodies': 'dead letters deleted',
  'person-state-and-index': 'persons deleted from the person index, the person state and the pathway',
  'report-facts': 'report facts and outcome scores deleted',
  'audit-personal-data': 'audit records whose identifiers were erased',
};

/**
 * The retention purge: for each class of `config/retention.yaml` the hub keeps, one transaction
 * claims due rows in batches (`FOR UPDATE SKIP LOCKED`, so hub instances purging at once never
 * take the same row), deletes them — for the audit, erases the identifiers beside the chain — and
 * appends one audit record with the class and count (no personal data) before it commits.
 */
export class RetentionPurge {
  private readonly states = new PersonStateRepository();
  private readonly pathway = new PathwayRepository();
  private readonly steps: Readonly<Record<HubRetentionClass, PurgeStep>>;
  private readonly now: () => Date;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly index: PersonIndex,
    private readonly config: RetentionConfig,
    private readonly options: RetentionPurgeOptions,
  ) {
    this.now = options.now ?? (() => new Date());
    this.steps = {
      'dead-letter-bodies': async (tx, before, limit) =>
        rowsOnly(await deleteDueRows(tx, 'hub_dead_letter', 'id', 'received_at < $1', before, limit)),
      // The outcome scores are the report's inputs, with the same period.
      'report-facts': async (tx, before, limit) =>
        rowsOnly(
          (await deleteDueRows(tx, 'hub_report_fact', 'event_id', 'occurred_at < $1', before, limit)) +
            (await deleteDueRows(tx, 'hub_outcome_score', 'ctid', 'recorded_at < $1', before, limit)),
        ),
      'audit-personal-data': async (tx, before, limit) =>
        rowsOnly(await this.audit.eraseIdentifiersRecordedBefore(tx, before, limit)),
      'person-state-and-index': (tx, before, limit) => this.erasePersons(tx, before, limit),
    };
  }

  /** One run over every class, one after the other. */
  async run(): Promise<ClassPurgeOutcome[]> {
    const outcomes: ClassPurgeOutcome[] = [];
    for (const dataClass of HUB_RETENTION_CLASSES) outcomes.push(await this.purge(dataClass));
    return outcomes;
  }

  /** One run over one class, in one transaction with its audit record. */
  async purge(dataClass: HubRetentionClass): Promise<ClassPurgeOutcome> {
    const rule = this.config.classes[dataClass];
    const before = dueBefore(rule.keep, this.now());
    return this.dataSource.transaction('READ COMMITTED', async (tx) => {
      const { claimed: deleted, pathwayRows } = await this.inBatches(tx, dataClass, before);
      const counts = { dataClass, deleted, ...(pathwayRows > 0 ? { pathwayRows } : {}), dueBefore: before };
      if (deleted + pathwayRows === 0) return counts;
      const withPathway =
        pathwayRows > 0 ? `, with ${pathwayRows} pathway rows (events, deadlines, candidate notices)` : '';
      const [record] = await this.audit.append(tx, [
        {
          kind: 'operator-action',
          outcome: 'performed',
          actor: RETENTION_ACTOR,
          reason: `Retention purge of ${dataClass}: ${deleted} ${UNITS[dataClass]}${withPathway}, due before ${before.toISOString()} (kept ${rule.keep.text}).`,
        },
      ]);
      return { ...counts, record };
    });
  }

  /**
   * Runs one class's step batch after batch, up to `maxBatches`; with persons, then sweeps the
   * pathway rows whose person is gone (left locked by an erasure or this purge, see
   * {@link PathwayRepository.deleteOrphaned}).
   */
  private async inBatches(tx: EntityManager, dataClass: HubRetentionClass, before: Date): Promise<Batch> {
    const { batchSize, maxBatches = 20 } = this.options;
    let claimed = 0;
    let pathwayRows = 0;
    for (let batch = 0; batch < maxBatches; batch += 1) {
      const done = await this.steps[dataClass](tx, before, batchSize);
      claimed += done.claimed;
      pathwayRows += done.pathwayRows;
      if (done.claimed < batchSize) break;
    }
    if (dataClass === 'person-state-and-index')
      pathwayRows += await this.pathway.deleteOrphaned(tx, batchSize * maxBatches);
    return { claimed, pathwayRows };
  }

  /**
   * Live persons with nothing about them since `before` — no event (person state, pathway), no
   * link record, not created since — claimed, then erased with the persons merged into them and
   * their pathway rows (those another transaction holds are skipped, for the sweep).
   */
  private async erasePersons(tx: EntityManager, before: Date, limit: number): Promise<Batch> {
    const due = (await tx.query(
      `SELECT p.id FROM person p LEFT JOIN hub_person_state s ON s.person_id = p.id
        WHERE p.merged_into IS NULL AND p.created_at < $1 AND (s.updated_at IS NULL OR s.updated_at < $1)
          AND NOT EXISTS (SELECT 1 FROM person_link_record r WHERE r.person_id = p.id AND r.at >= $1)
          AND NOT EXISTS (SELECT 1 FROM hub_pathway_event e WHERE e.person_id = p.id AND e.received_at >= $1)
        ORDER BY p.id LIMIT $2 FOR UPDATE OF p SKIP LOCKED`,
      [before, limit],
    )) as { id: string }[];
    let pathwayRows = 0;
    for (const { id } of due) {
      const erased = await this.index.erase(id, tx);
      await this.states.erase(tx, erased.personIds);
      pathwayRows += await this.pathway.deletePersons(tx, erased.personIds, { skipLocked: true });
    }
    return { claimed: due.length, pathwayRows };
  }
}
