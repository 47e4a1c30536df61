import type { DataSource, EntityManager } from 'typeorm';
import type { Agreement } from '@cstr/policy';
import type { VersionFacts, VersionState } from './agreement-change.rules';

/** A stored version of an agreement, with its history. */
export interface StoredVersion extends VersionFacts {
  readonly origin: 'import' | 'proposal';
  /** The file an imported version came from (relative to the project). */
  readonly originFile: string | null;
  readonly agreement: Agreement;
  readonly sourceText: string;
  readonly proposedAt: Date;
  /** The proposer's note: internal, never on the public register. */
  readonly note: string | null;
  readonly decidedBy: string | null;
  readonly decidedAt: Date | null;
  readonly decisionNote: string | null;
  readonly effectiveAt: Date | null;
  readonly supersededAt: Date | null;
}

interface VersionRow {
  agreement_id: string;
  version: number;
  state: VersionState;
  origin: 'import' | 'proposal';
  origin_file: string | null;
  document: Agreement;
  source_text: string;
  proposed_by: string;
  proposed_at: Date;
  note: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  decision_note: string | null;
  effective_at: Date | null;
  superseded_at: Date | null;
}

/** A new version to store. */
export interface NewVersion {
  readonly agreement: Agreement;
  readonly state: VersionState;
  readonly origin: 'import' | 'proposal';
  readonly originFile?: string;
  readonly sourceText: string;
  readonly proposedBy: string;
  readonly note?: string;
  readonly effectiveAt?: Date;
}

function toVersion(row: VersionRow): StoredVersion {
  const agreement: Agreement = { ...row.document, ...(row.origin_file ? { file: row.origin_file } : {}) };
  return {
    agreementId: row.agreement_id,
    version: row.version,
    state: row.state,
    proposedBy: row.proposed_by,
    start: agreement.period.start,
    origin: row.origin,
    originFile: row.origin_file,
    agreement,
    sourceText: row.source_text,
    proposedAt: row.proposed_at,
    note: row.note,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at,
    decisionNote: row.decision_note,
    effectiveAt: row.effective_at,
    supersededAt: row.superseded_at,
  };
}

/** The document as stored: the checked agreement without the file it was read from. */
function documentOf(agreement: Agreement): Omit<Agreement, 'file'> {
  const { file: _file, ...document } = agreement;
  return document;
}

/**
 * Every version of every agreement, in the hub's database (`hub_agreement_version`), and the
 * revision counter each hub polls. Changes go through {@link change}: one transaction that holds
 * the counter's row lock, so that the changes of every hub are serialised; the caller moves the
 * counter ({@link bump}) when it changed something, then appends its audit records last.
 */
export class AgreementStore {
  constructor(private readonly dataSource: DataSource) {}

  /** The data source's manager, for work outside a change. */
  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  /** The counter every change moves. */
  async revision(manager: EntityManager = this.dataSource.manager): Promise<number> {
    const [row] = (await manager.query('SELECT revision FROM hub_agreement_revision WHERE id = 1')) as {
      revision: string;
    }[];
    return Number(row?.revision ?? 0);
  }

  /** Runs `work` in one transaction, serialised with every other change of every hub. */
  async change<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT revision FROM hub_agreement_revision WHERE id = 1 FOR UPDATE');
      return work(manager);
    });
  }

  /** Moves the counter: every hub reloads the agreements in force. */
  async bump(manager: EntityManager): Promise<void> {
    await manager.query('UPDATE hub_agreement_revision SET revision = revision + 1 WHERE id = 1');
  }

  /** The version in force of every agreement, by id. */
  async inForce(manager: EntityManager = this.dataSource.manager): Promise<StoredVersion[]> {
    return this.select(manager, "state = 'in-force'", []);
  }

  /** Every stored version (of one agreement when `agreementId` is given), newest first per agreement. */
  async versions(agreementId?: string, manager: EntityManager = this.dataSource.manager): Promise<StoredVersion[]> {
    return agreementId === undefined
      ? this.select(manager, 'true', [])
      : this.select(manager, 'agreement_id = $1', [agreementId]);
  }

  /** One version; `lock` holds its row until the transaction ends. */
  async version(
    agreementId: string,
    version: number,
    manager: EntityManager = this.dataSource.manager,
    lock = false,
  ): Promise<StoredVersion | undefined> {
    const [found] = await this.select(manager, 'agreement_id = $1 AND version = $2', [agreementId, version], lock);
    return found;
  }

  /** Approved versions whose start date is on or before `day` (`YYYY-MM-DD`). */
  async dueOn(day: string, manager: EntityManager): Promise<StoredVersion[]> {
    return this.select(manager, "state = 'approved' AND document #>> '{period,start}' <= $1", [day]);
  }

  /** True when the stored version has exactly these terms. */
  async sameTerms(agreement: Agreement, manager: EntityManager): Promise<boolean> {
    const [row] = (await manager.query(
      'SELECT document = $3::jsonb AS same FROM hub_agreement_version WHERE agreement_id = $1 AND version = $2',
      [agreement.id, agreement.version, JSON.stringify(documentOf(agreement))],
    )) as { same: boolean }[];
    return row?.same === true;
  }

  async insert(manager: EntityManager, version: NewVersion): Promise<void> {
    await manager.query(
      `INSERT INTO hub_agreement_version
         (agreement_id, version, state, origin, origin_file, document, source_text, proposed_by, note, effective_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10)`,
      [
        version.agreement.id,
        version.agreement.version,
        version.state,
        version.origin,
        version.originFile ?? null,
        JSON.stringify(documentOf(version.agreement)),
        version.sourceText,
        version.proposedBy,
        version.note ?? null,
        version.effectiveAt ?? null,
      ],
    );
  }

  /** Replaces the terms of an imported version (development re-import of an edited file). */
  async replaceImported(manager: EntityManager, agreement: Agreement, sourceText: string, file: string): Promise<void> {
    await manager.query(
      `UPDATE hub_agreement_version SET document = $3::jsonb, source_text = $4, origin_file = $5
       WHERE agreement_id = $1 AND version = $2 AND origin = 'import'`,
      [agreement.id, agreement.version, JSON.stringify(documentOf(agreement)), sourceText, file],
    );
  }

  /** Records a decision on a proposal: approved (waiting for its start), in force, or rejected. */
  async decide(
    manager: EntityManager,
    facts: Pick<VersionFacts, 'agreementId' | 'version'>,
    decision: { state: 'approved' | 'in-force' | 'rejected'; by: string; note?: string; at: Date },
  ): Promise<void> {
    await manager.query(
      `UPDATE hub_agreement_version
       SET state = $3, decided_by = $4, decided_at = $5, decision_note = $6,
           effective_at = CASE WHEN $3 = 'in-force' THEN $5 ELSE effective_at END
       WHERE agreement_id = $1 AND version = $2`,
      [facts.agreementId, facts.version, decision.state, decision.by, decision.at, decision.note ?? null],
    );
  }

  /** Puts an approved version in force at `at` (its start date came). */
  async takeEffect(
    manager: EntityManager,
    facts: Pick<VersionFacts, 'agreementId' | 'version'>,
    at: Date,
  ): Promise<void> {
    await manager.query(
      `UPDATE hub_agreement_version SET state = 'in-force', effective_at = $3
       WHERE agreement_id = $1 AND version = $2`,
      [facts.agreementId, facts.version, at],
    );
  }

  /** Ends the version in force of `agreementId` (a later one takes its place): its number, if there was one. */
  async supersede(manager: EntityManager, agreementId: string, at: Date): Promise<number | undefined> {
    const rows = (await manager.query(
      `UPDATE hub_agreement_version SET state = 'superseded', superseded_at = $2
       WHERE agreement_id = $1 AND state = 'in-force' RETURNING version`,
      [agreementId, at],
    )) as [{ version: number }[], number] | { version: number }[];
    const returned = Array.isArray(rows[0]) ? (rows[0] as { version: number }[]) : (rows as { version: number }[]);
    return returned[0]?.version;
  }

  private async select(
    manager: EntityManager,
    where: string,
    params: unknown[],
    lock = false,
  ): Promise<StoredVersion[]> {
    const rows = (await manager.query(
      `SELECT agreement_id, version, state, origin, origin_file, document, source_text, proposed_by, proposed_at,
              note, decided_by, decided_at, decision_note, effective_at, superseded_at
       FROM hub_agreement_version WHERE ${where} ORDER BY agreement_id, version DESC${lock ? ' FOR UPDATE' : ''}`,
      params,
    )) as VersionRow[];
    return rows.map(toVersion);
  }
}
