import { AuditLog, type AuditPersonIdentifier, type AuditRecord } from '@cstr/audit';
import { IDENTIFIER_SYSTEMS, parseIdentifier, PersonIndex } from '@cstr/identity';
import type { DataSource, EntityManager } from 'typeorm';
import { PersonStateRepository } from '../ingress/person-state.repository';
import { PathwayRepository } from '../pathway/pathway.repository';

/** What {@link PersonErasureService.erase} did. */
export interface PersonErasureOutcome {
  /** The person and every person merged into it. */
  readonly personIds: readonly string[];
  /** Identifiers taken out of the person index (and searched for in the audit). */
  readonly identifiers: number;
  /** Pathway rows (events, deadlines, candidate notices) deleted with the person. */
  readonly pathwayRows: number;
  /** Audit records whose identifiers now read as erased. */
  readonly auditRecords: number;
  /** The audit record of the erasure itself. */
  readonly record: AuditRecord;
}

/** What {@link PersonErasureService.rectify} did. */
export interface RectificationOutcome {
  readonly auditRecords: number;
  readonly record: AuditRecord;
}

/** Why an erasure or rectification was not done: the code names the case, the message says what to do. */
export class PersonErasureError extends Error {
  constructor(
    readonly code: 'person-not-found' | 'person-ambiguous' | 'reason-missing' | 'identifier-invalid',
    message: string,
  ) {
    super(message);
    this.name = 'PersonErasureError';
  }
}

/** The longest reason kept (the audit's own limit is 4000 with the rest of the text). */
const MAX_REASON = 1000;

/**
 * Erasure and rectification of a person's identifiers (UK GDPR Art. 16 and 17), an operator's
 * act with a reason: the person index entry (with merged persons, link records and possible
 * matches), the hub's state and pathway about them and the identifiers beside the audit chain go; the chain,
 * and every decision in it, stays (`GET /audit/verify` still passes). The act is itself audited
 * (`operator-action`), naming the pseudonymous person id and the counts — never an identifier.
 */
export class PersonErasureService {
  private readonly states = new PersonStateRepository();
  private readonly pathway = new PathwayRepository();

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditLog,
    private readonly index: PersonIndex,
  ) {}

  /**
   * Erases the person `person` names: a person id, an identifier as `system|value`, or a bare
   * identifier value that exactly one person holds. Throws {@link PersonErasureError}.
   */
  async erase(person: string, reason: string, actor: string): Promise<PersonErasureOutcome> {
    const why = checkReason(reason);
    return this.dataSource.transaction('READ COMMITTED', async (tx) => {
      const personId = await this.resolve(tx, person);
      const before = await this.erasePathway(tx, personId);
      const erased = await this.index.erase(personId, tx);
      await this.states.erase(tx, erased.personIds);
      // Rows committed while the persons were being locked (their locks are not waited for now).
      const pathwayRows = before + (await this.pathway.deletePersons(tx, erased.personIds, { skipLocked: true }));
      const auditRecords = await this.audit.eraseIdentifiers(tx, erased.identifiers);
      const merged = erased.personIds.length - 1;
      const [record] = await this.audit.append(tx, [
        {
          kind: 'operator-action',
          outcome: 'performed',
          actor,
          reason:
            `Erasure of person ${personId}${merged > 0 ? ` and ${merged} merged into it` : ''}: ` +
            `${erased.identifiers.length} identifiers out of the person index, the person state removed, ` +
            `${pathwayRows} pathway rows deleted, identifiers erased beside ${auditRecords} audit records. Reason: ${why}`,
        },
      ]);
      return {
        personIds: erased.personIds,
        identifiers: erased.identifiers.length,
        pathwayRows,
        auditRecords,
        record,
      };
    });
  }

  /**
   * The pathway rows of the person and of those merged into it, before the person index is
   * locked: waiting for a deadline the scheduler holds is safe only before then (it locks a
   * deadline, then the person), so nothing the scheduler is reporting is left behind. The rows of
   * an event committed meanwhile go after the persons are locked, skipping locked rows: those are for
   * the purge's sweep of orphaned rows.
   */
  private async erasePathway(tx: EntityManager, personId: string): Promise<number> {
    const family = (await tx.query('SELECT id FROM person WHERE id = $1 OR merged_into = $1', [personId])) as {
      id: string;
    }[];
    return this.pathway.deletePersons(
      tx,
      family.map((row) => row.id),
      { skipLocked: false },
    );
  }

  /**
   * Rectifies one identifier beside the audit records that name it (`from` as `system|value`,
   * `to` a value of the same system). The person index is corrected by its own link and unlink.
   */
  async rectify(from: string, to: string, reason: string, actor: string): Promise<RectificationOutcome> {
    const why = checkReason(reason);
    const wrong = parseSystemValue(from);
    if (!wrong) throw new PersonErasureError('identifier-invalid', 'The identifier to rectify must be system|value.');
    const right = checkedIdentifier(wrong.system, to);
    return this.dataSource.transaction('READ COMMITTED', async (tx) => {
      const auditRecords = await this.audit.rectifyIdentifier(tx, wrong, right);
      const [record] = await this.audit.append(tx, [
        {
          kind: 'operator-action',
          outcome: 'performed',
          actor,
          reason: `Rectification of one ${wrong.system} identifier beside ${auditRecords} audit records. Reason: ${why}`,
        },
      ]);
      return { auditRecords, record };
    });
  }

  private async resolve(tx: EntityManager, person: string): Promise<string> {
    const text = person.trim();
    const byId = await this.index.currentPersonId(text, tx);
    if (byId) return byId;
    const named = parseSystemValue(text);
    const candidates = named ? [named] : Object.values(IDENTIFIER_SYSTEMS).map((system) => ({ system, value: text }));
    const found = new Set<string>();
    for (const candidate of candidates) {
      const id = await this.index.findByIdentifier(candidate.system, candidate.value, tx);
      if (id) found.add(id);
    }
    if (found.size === 1) return [...found][0];
    throw found.size === 0
      ? new PersonErasureError('person-not-found', 'No person in the person index has that id or identifier.')
      : new PersonErasureError('person-ambiguous', 'That value names several persons: give it as system|value.');
  }
}

function checkReason(reason: string): string {
  const text = typeof reason === 'string' ? reason.trim() : '';
  if (text.length === 0 || text.length > MAX_REASON)
    throw new PersonErasureError(
      'reason-missing',
      `An erasure or rectification states its reason (1 to ${MAX_REASON} characters, no personal data).`,
    );
  return text;
}

/** `system|value` (the system a URI or an identifier kind such as `nhs-number`), or undefined. */
function parseSystemValue(text: string): AuditPersonIdentifier | undefined {
  const bar = text.lastIndexOf('|');
  if (bar <= 0 || bar === text.length - 1) return undefined;
  const system = text.slice(0, bar).trim();
  const known = (IDENTIFIER_SYSTEMS as Readonly<Record<string, string>>)[system];
  return { system: known ?? system, value: text.slice(bar + 1).trim() };
}

function checkedIdentifier(system: string, value: string): AuditPersonIdentifier {
  const known = Object.values(IDENTIFIER_SYSTEMS).includes(system);
  const parsed = known ? parseIdentifier(system, value) : undefined;
  if (parsed && !parsed.ok)
    throw new PersonErasureError('identifier-invalid', `The corrected value is not a valid ${system} identifier.`);
  return { system, value: parsed?.ok ? parsed.value : value.trim() };
}
