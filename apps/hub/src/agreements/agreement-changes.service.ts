import { basename } from 'node:path';
import { HttpStatus } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { AuditLog, AuditRecordInput } from '@cstr/audit';
import { HUB_PARTNER_ID, OperationOutcomeError, operationOutcome, operationOutcomeOf } from '@cstr/contracts';
import {
  agreementDiff,
  disclosureImpact,
  formatProblem,
  parseAgreement,
  type Agreement,
  type AgreementDifference,
  type DisclosureImpact,
  type PastDecision,
} from '@cstr/policy';
import type { HubPolicy } from '../core/hub-policy';
import {
  approvalRefusal,
  dayOf,
  isDue,
  proposalRefusal,
  rejectionRefusal,
  stateOnApproval,
  type ChangeRefusal,
} from './agreement-change.rules';
import type { AgreementStore, StoredVersion } from './agreement.store';

/** How far back the impact of a proposal looks. */
export const IMPACT_DAYS = 30;
const DAY_MS = 86_400_000;
const AUDIT_PAGE = 1000;

/** An agreement file of the configured folder, as the store imports it. */
export interface ConfiguredAgreement {
  readonly agreement: Agreement;
  readonly text: string;
}

/** What the store said about one configured file at boot, for the log (no personal data). */
export interface ImportNotice {
  readonly level: 'log' | 'warn';
  readonly message: string;
}

/** The impact of a proposal over the last {@link IMPACT_DAYS} days. */
export type ProposalImpact = DisclosureImpact & { readonly from: string; readonly to: string };

function refused(refusal: ChangeRefusal): OperationOutcomeError {
  return new OperationOutcomeError(refusal.status, operationOutcome('error', refusal.code, refusal.reason));
}

function notFound(agreementId: string, version: number): OperationOutcomeError {
  return new OperationOutcomeError(
    HttpStatus.NOT_FOUND,
    operationOutcome('error', 'not-found', `No version ${version} of agreement ${agreementId.slice(0, 100)}.`),
  );
}

function changeRecord(actor: string, agreement: Agreement, reason: string): AuditRecordInput {
  return {
    kind: 'operator-action',
    outcome: 'performed',
    actor,
    agreement: { id: agreement.id, version: agreement.version },
    reason,
  };
}

function differencesText(differences: readonly AgreementDifference[]): string {
  const flows = (change: string) =>
    differences.filter((each) => each.area === 'flow' && each.change === change && each.item === each.flowId);
  const removed = flows('removed').map((each) => each.item);
  const added = flows('added').map((each) => each.item);
  return [
    `${differences.length} difference${differences.length === 1 ? '' : 's'}`,
    ...(removed.length > 0 ? [`flows removed: ${removed.join(', ')}`] : []),
    ...(added.length > 0 ? [`flows added: ${added.join(', ')}`] : []),
  ].join('; ');
}

/**
 * Agreement change control (issue 14): imports the configured agreement files, takes proposals,
 * approvals and rejections under the four-eyes rule, puts approved versions in force (at once or
 * on their start date), and keeps the hub's {@link HubPolicy} on the versions in force. Each
 * change is one transaction with its audit record; the policy is reloaded whenever the store's
 * revision moves, whichever hub moved it.
 */
export class AgreementChanges {
  private loadedRevision = -1;

  constructor(
    private readonly store: AgreementStore,
    private readonly policy: HubPolicy,
    private readonly audit: AuditLog,
    private readonly options: { readonly production: boolean; readonly now?: () => Date },
  ) {}

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  /**
   * Imports the configured files whose id + version the store does not hold yet, as in force
   * unless a later version of the agreement is. A file that changes the terms of a stored version
   * is re-imported in development (when that version came from a file) and ignored with a warning
   * in production: bump its version.
   */
  async importConfigured(files: readonly ConfiguredAgreement[]): Promise<ImportNotice[]> {
    const notices = await this.store.change(async (manager) => {
      const found: ImportNotice[] = [];
      const records: AuditRecordInput[] = [];
      for (const file of files) await this.importOne(manager, file, found, records);
      if (records.length > 0) {
        await this.store.bump(manager);
        await this.audit.append(manager, records);
      }
      return found;
    });
    await this.refresh(true);
    return notices;
  }

  private async importOne(
    manager: EntityManager,
    { agreement, text }: ConfiguredAgreement,
    notices: ImportNotice[],
    records: AuditRecordInput[],
  ): Promise<void> {
    const file = basename(agreement.file ?? `${agreement.id}.yaml`);
    const name = `agreement ${agreement.id} version ${agreement.version}`;
    const stored = await this.store.version(agreement.id, agreement.version, manager);
    if (stored) {
      if (await this.store.sameTerms(agreement, manager)) return;
      if (this.options.production || stored.origin !== 'import') {
        notices.push({
          level: 'warn',
          message: `${file} changes the terms of ${name}, which the store already holds: the stored terms stay; give the file a new version to import it.`,
        });
        return;
      }
      await this.store.replaceImported(manager, agreement, text, file);
      records.push(
        changeRecord(HUB_PARTNER_ID, agreement, `Re-imported ${name} from ${file} (development: its terms changed).`),
      );
      notices.push({ level: 'warn', message: `Re-imported ${name} from ${file}: its terms changed (development).` });
      return;
    }
    const [current] = (await this.store.inForce(manager)).filter((each) => each.agreementId === agreement.id);
    const takesEffect = !current || current.version < agreement.version;
    const at = this.now();
    if (takesEffect) await this.store.supersede(manager, agreement.id, at);
    await this.store.insert(manager, {
      agreement,
      state: takesEffect ? 'in-force' : 'superseded',
      origin: 'import',
      originFile: file,
      sourceText: text,
      proposedBy: HUB_PARTNER_ID,
      ...(takesEffect ? { effectiveAt: at } : {}),
    });
    const reason = takesEffect
      ? `Imported ${name} from ${file}: in force${current ? ` in place of version ${current.version}` : ''}.`
      : `Imported ${name} from ${file} for the record: version ${current.version} is in force.`;
    records.push(changeRecord(HUB_PARTNER_ID, agreement, reason));
    notices.push({ level: 'log', message: reason });
  }

  /**
   * Reloads the versions in force into the policy when the store's revision moved (or `force`):
   * the next decision is taken under them. True when it reloaded.
   */
  async refresh(force = false): Promise<boolean> {
    const revision = await this.store.revision();
    if (!force && revision === this.loadedRevision) return false;
    const inForce = await this.store.inForce();
    this.policy.replaceAgreements(inForce.map((version) => version.agreement).sort((a, b) => a.id.localeCompare(b.id)));
    this.loadedRevision = revision;
    return true;
  }

  /** Parses a proposed version (YAML of the import format); 400 with every problem, with its line. */
  parse(text: string): Agreement {
    const { agreement, problems } = parseAgreement(text, 'proposal', this.policy.partners);
    if (agreement) return agreement;
    const outcome = operationOutcomeOf(
      problems.map((problem) => ({
        severity: 'error' as const,
        code: 'invalid' as const,
        diagnostics: formatProblem(problem),
        ...(problem.path ? { expression: [problem.path] } : {}),
      })),
    );
    throw new OperationOutcomeError(HttpStatus.BAD_REQUEST, outcome);
  }

  /** Stores a proposal by `proposer` (an IG lead); it waits for a second IG lead. */
  async propose(proposer: string, text: string, note?: string): Promise<StoredVersion> {
    const agreement = this.parse(text);
    await this.store.change(async (manager) => {
      const refusal = proposalRefusal(agreement, await this.store.versions(agreement.id, manager));
      if (refusal) throw refused(refusal);
      const [current] = (await this.store.inForce(manager)).filter((each) => each.agreementId === agreement.id);
      await this.store.insert(manager, {
        agreement,
        state: 'proposed',
        origin: 'proposal',
        sourceText: text,
        proposedBy: proposer,
        ...(note ? { note } : {}),
      });
      await this.store.bump(manager);
      const against = current ? `version ${current.version}` : 'no version in force';
      await this.audit.append(manager, [
        changeRecord(
          proposer,
          agreement,
          `Proposed agreement ${agreement.id} version ${agreement.version} against ${against}: ${differencesText(agreementDiff(current?.agreement, agreement))}.`,
        ),
      ]);
    });
    return this.versionOrThrow(agreement.id, agreement.version);
  }

  /** Approves a proposal (never by its proposer): in force at once, or on its start date. */
  async approve(approver: string, agreementId: string, version: number, note?: string): Promise<StoredVersion> {
    await this.store.change(async (manager) => {
      const facts = await this.lockedVersion(manager, agreementId, version);
      const [current] = (await this.store.inForce(manager)).filter((each) => each.agreementId === agreementId);
      const refusal = approvalRefusal(facts, approver, current?.version);
      if (refusal) throw refused(refusal);
      const at = this.now();
      const state = stateOnApproval(facts, at);
      const records = [
        changeRecord(
          approver,
          facts.agreement,
          `Approved agreement ${agreementId} version ${version}, proposed by ${facts.proposedBy}${state === 'approved' ? `; it takes effect on ${facts.start}` : ''}.`,
        ),
      ];
      if (state === 'in-force') records.push(await this.putInForce(manager, facts, approver, at));
      await this.store.decide(manager, facts, { state, by: approver, at, ...(note ? { note } : {}) });
      await this.store.bump(manager);
      await this.audit.append(manager, records);
    });
    await this.refresh();
    return this.versionOrThrow(agreementId, version);
  }

  /** Rejects a proposal (any IG lead; the proposer withdraws it): it never takes effect. */
  async reject(by: string, agreementId: string, version: number, note?: string): Promise<StoredVersion> {
    await this.store.change(async (manager) => {
      const facts = await this.lockedVersion(manager, agreementId, version);
      const refusal = rejectionRefusal(facts);
      if (refusal) throw refused(refusal);
      await this.store.decide(manager, facts, { state: 'rejected', by, at: this.now(), ...(note ? { note } : {}) });
      await this.store.bump(manager);
      await this.audit.append(manager, [
        changeRecord(
          by,
          facts.agreement,
          `Rejected agreement ${agreementId} version ${version}, proposed by ${facts.proposedBy}: it will not take effect.`,
        ),
      ]);
    });
    return this.versionOrThrow(agreementId, version);
  }

  /** Puts in force every approved version whose start date has come; how many. */
  async takeEffectDue(): Promise<number> {
    const at = this.now();
    // Most ticks find nothing due: only then take the change lock.
    if ((await this.store.dueOn(dayOf(at), this.store.manager)).length === 0) return 0;
    const due = await this.store.change(async (manager) => {
      const versions = (await this.store.dueOn(dayOf(at), manager)).filter((each) => isDue(each, at));
      if (versions.length === 0) return 0;
      const records: AuditRecordInput[] = [];
      for (const version of versions) {
        records.push(await this.putInForce(manager, version, HUB_PARTNER_ID, at));
        await this.store.takeEffect(manager, version, at);
      }
      await this.store.bump(manager);
      await this.audit.append(manager, records);
      return versions.length;
    });
    if (due > 0) await this.refresh();
    return due;
  }

  /** Supersedes the version in force and returns the record of `version` taking effect. */
  private async putInForce(
    manager: EntityManager,
    version: StoredVersion,
    actor: string,
    at: Date,
  ): Promise<AuditRecordInput> {
    const before = await this.store.supersede(manager, version.agreementId, at);
    return changeRecord(
      actor,
      version.agreement,
      `Agreement ${version.agreementId} version ${version.version} took effect${before !== undefined ? ` in place of version ${before}` : ''}; every decision from now on names it.`,
    );
  }

  private async lockedVersion(manager: EntityManager, agreementId: string, version: number): Promise<StoredVersion> {
    const found = await this.store.version(agreementId, version, manager, true);
    if (!found) throw notFound(agreementId, version);
    return found;
  }

  /** Every stored version (of one agreement when `agreementId` is given). */
  async versions(agreementId?: string): Promise<StoredVersion[]> {
    return this.store.versions(agreementId);
  }

  /** One stored version; 404 when there is none. */
  async versionOrThrow(agreementId: string, version: number): Promise<StoredVersion> {
    const found = await this.store.version(agreementId, version);
    if (!found) throw notFound(agreementId, version);
    return found;
  }

  /** The differences from the version in force of the same agreement (none in force: everything is added). */
  async diff(version: StoredVersion): Promise<{ against: number | null; differences: AgreementDifference[] }> {
    const [current] = (await this.store.inForce()).filter((each) => each.agreementId === version.agreementId);
    return { against: current?.version ?? null, differences: agreementDiff(current?.agreement, version.agreement) };
  }

  /**
   * The decisions of the last {@link IMPACT_DAYS} days re-evaluated under `version` against the
   * agreements in force: disclosures and elements gained and lost per flow and recipient. Reads
   * the audit (a read, audited as such, by `reader`); answers counts only.
   */
  async impact(version: StoredVersion, reader: string): Promise<ProposalImpact> {
    const to = this.now();
    const from = new Date(to.getTime() - IMPACT_DAYS * DAY_MS);
    const decisions = await this.pastDecisions(from, to);
    const current = (await this.store.inForce()).map((each) => each.agreement);
    await this.audit.recordRead(this.store.manager, reader, {
      description: `Impact of agreement ${version.agreementId} version ${version.version}: ${decisions.length} decisions of ${dayOf(from)} to ${dayOf(to)} re-evaluated, counts only.`,
    });
    const impact = disclosureImpact(decisions, current, version.agreement, this.policy, to);
    return { ...impact, from: from.toISOString(), to: to.toISOString() };
  }

  private async pastDecisions(from: Date, to: Date): Promise<PastDecision[]> {
    const decisions: PastDecision[] = [];
    let after: string | undefined;
    do {
      const page = await this.audit.search(
        { kind: 'decision', from, to },
        { limit: AUDIT_PAGE, order: 'oldest-first', ...(after ? { after } : {}) },
      );
      if (!page.ok) throw new OperationOutcomeError(HttpStatus.INTERNAL_SERVER_ERROR, page.outcome);
      for (const record of page.records) {
        if (record.outcome !== 'delivered' && record.outcome !== 'refused') continue;
        if (!record.eventType || !record.sender || !record.recipient) continue;
        decisions.push({
          eventType: record.eventType,
          sender: record.sender,
          recipient: record.recipient,
          outcome: record.outcome,
          ...(record.refusingRule ? { refusingRule: record.refusingRule } : {}),
          consentRelied: record.outcome === 'delivered' && record.consentReference !== null,
        });
      }
      after = page.next;
    } while (after);
    return decisions;
  }
}
