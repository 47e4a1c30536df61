import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { AuditLog } from '@cstr/audit';
import { projectPath } from '@cstr/platform';
import { eventually } from '@cstr/testing';
import { HubPolicy } from '../src/core/hub-policy';
import { AgreementChanges } from '../src/agreements/agreement-changes.service';
import { AgreementStore } from '../src/agreements/agreement.store';
import { basicAuth, bootHub, PRINCIPALS, type TestHub, type TestPrincipal } from './http-test-kit';
import { fixtureEvent, type TestEvent } from './ingress-test-kit';
import { PartnerPublishers } from './partner-publishers';

const COURT = 'cstr-south-london-court';
const GP = 'cstr-south-london-gp';
const DAY_MS = 86_400_000;
const COURT_YAML = readFileSync(projectPath(`config/agreements/${COURT}.yaml`), 'utf8');

/** The court agreement's YAML as `version`, without the flow `flowId` (its block, up to the next flow). */
function courtYaml(version: number, withoutFlow?: string): string {
  const lines = COURT_YAML.replace(/^version: \d+$/m, `version: ${version}`).split('\n');
  if (!withoutFlow) return lines.join('\n');
  const start = lines.indexOf(`  - id: ${withoutFlow}`);
  const end = lines.findIndex((line, index) => index > start && line.startsWith('  - id: '));
  return [...lines.slice(0, start), ...lines.slice(end)].join('\n');
}

interface DecisionRow {
  recipient: string;
  outcome: string;
  agreement_id: string | null;
  agreement_version: number | null;
  flow_id: string | null;
}

/**
 * Agreement change control against the real broker and database: a court listing goes to L&D and
 * probation under the court agreement in force; an IG lead proposes a version without the L&D
 * flow (its diff and its impact on the decisions so far), a second IG lead approves it, and the
 * next listing — the hub never restarted — reaches probation only, under the new version. A change
 * made by another hub on the same store reaches this one by polling.
 */
describe('agreement change control through the hub', () => {
  let hub: TestHub;
  let baseUrl: string;
  const publishers = new PartnerPublishers('agreement-changes-test');

  beforeAll(async () => {
    hub = await bootHub();
    baseUrl = `http://127.0.0.1:${((hub.app.getHttpServer() as Server).address() as AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    await publishers.close();
    await hub?.close();
  });

  async function call(
    principal: TestPrincipal,
    path: string,
    json?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(`${baseUrl}${path}`, {
      method: json === undefined ? 'GET' : 'POST',
      headers: {
        Authorization: basicAuth(principal),
        Accept: 'application/json',
        ...(json === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function decisionsOf(event: TestEvent): Promise<DecisionRow[]> {
    await publishers.publish(event);
    return eventually(
      () =>
        hub.dataSource.query(
          `SELECT recipient, outcome, agreement_id, agreement_version, flow_id FROM audit_record
           WHERE event_id = $1 AND kind = 'decision' ORDER BY recipient`,
          [event.eventId],
        ) as Promise<DecisionRow[]>,
      (rows) => rows.length > 0,
      20_000,
    );
  }

  it('imported the agreement files at start, as in force', async () => {
    const { body } = await call(PRINCIPALS.auditor, `/agreements/${COURT}/versions`);
    expect(body.versions).toEqual([
      expect.objectContaining({ id: COURT, version: 2, state: 'in-force', origin: 'import', file: `${COURT}.yaml` }),
    ]);
  });

  it('applies a version without a flow once a second IG lead approves it, without a restart', async () => {
    const before = await decisionsOf(fixtureEvent('court.hearing.listed'));
    expect(before.map((row) => [row.recipient, row.outcome, row.agreement_version, row.flow_id])).toEqual([
      ['nps-london-croydon', 'delivered', 2, 'listing-to-probation'],
      ['sl-liaison-diversion', 'delivered', 2, 'listing-to-liaison-diversion'],
    ]);

    const proposed = await call(PRINCIPALS.auditor, `/agreements/${COURT}/versions`, {
      yaml: courtYaml(3, 'listing-to-liaison-diversion'),
      note: 'L&D now reads the list from Common Platform',
    });
    expect(proposed.status).toBe(201);
    expect(proposed.body).toMatchObject({ version: 3, state: 'proposed', proposedBy: PRINCIPALS.auditor.id });
    expect(proposed.body.diff).toEqual({
      against: 2,
      differences: [expect.objectContaining({ area: 'flow', change: 'removed', item: 'listing-to-liaison-diversion' })],
    });

    const impact = await call(PRINCIPALS.auditor, `/agreements/${COURT}/versions/3/impact`);
    // Every listing this hub gave L&D so far (the broker is shared: an earlier test file's may be among them).
    const [{ count: toLd }] = (await hub.dataSource.query(
      `SELECT count(*)::int AS count FROM audit_record
       WHERE kind = 'decision' AND outcome = 'delivered' AND flow_id = 'listing-to-liaison-diversion'`,
    )) as { count: number }[];
    expect(toLd).toBeGreaterThanOrEqual(1);
    expect(impact.status).toBe(200);
    expect(impact.body.counts).toContainEqual({
      agreementId: COURT,
      flowId: 'listing-to-liaison-diversion',
      recipient: 'sl-liaison-diversion',
      gained: 0,
      lost: toLd,
    });
    expect(JSON.stringify(impact.body)).not.toMatch(/nhs-number|\d{10}/);

    // Four eyes: the proposer cannot approve; still in force: version 2.
    const own = await call(PRINCIPALS.auditor, `/agreements/${COURT}/versions/3/approve`, {});
    expect(own).toMatchObject({ status: 403, body: { resourceType: 'OperationOutcome' } });
    expect(hub.app.get(HubPolicy).agreement(COURT)?.version).toBe(2);

    const approved = await call(PRINCIPALS.auditorOperator, `/agreements/${COURT}/versions/3/approve`, {});
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ state: 'in-force', decidedBy: PRINCIPALS.auditorOperator.id });

    const after = await decisionsOf(fixtureEvent('court.hearing.listed'));
    expect(
      after.map((row) => [row.recipient, row.outcome, row.agreement_id, row.agreement_version, row.flow_id]),
    ).toEqual([['nps-london-croydon', 'delivered', COURT, 3, 'listing-to-probation']]);

    const audited = (await hub.dataSource.query(
      `SELECT actor, agreement_version, reason FROM audit_record
       WHERE kind = 'operator-action' AND agreement_id = $1 AND agreement_version = 3 ORDER BY seq`,
      [COURT],
    )) as { actor: string; agreement_version: number; reason: string }[];
    expect(audited.map((row) => [row.actor, row.reason.split(' ')[0]])).toEqual([
      [PRINCIPALS.auditor.id, 'Proposed'],
      [PRINCIPALS.auditorOperator.id, 'Approved'],
      [PRINCIPALS.auditorOperator.id, 'Agreement'],
    ]);
    expect(audited[2].reason).toMatch(/took effect in place of version 2/);
    expect((await call(PRINCIPALS.auditor, '/audit/verify')).body).toMatchObject({ ok: true });
  });

  it('refuses a version number already taken, and YAML that does not check, as OperationOutcomes', async () => {
    const taken = await call(PRINCIPALS.auditor, `/agreements/${COURT}/versions`, { yaml: courtYaml(3) });
    expect(taken).toMatchObject({ status: 409, body: { resourceType: 'OperationOutcome' } });
    const bad = await call(PRINCIPALS.auditor, `/agreements/${COURT}/versions`, {
      yaml: courtYaml(9).replace('to: { kind: probation }', 'to: { kind: police }'),
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/police is not a partner kind/);
    const partner = await call(PRINCIPALS.probation, `/agreements/${COURT}/versions`, { yaml: courtYaml(9) });
    expect(partner.status).toBe(403);
  });

  /** Change control over the hub's store as another hub would run it, at `now`. */
  function changesAt(options: { production?: boolean; now?: () => Date } = {}): AgreementChanges {
    const mine = hub.app.get(HubPolicy);
    return new AgreementChanges(
      new AgreementStore(hub.dataSource),
      new HubPolicy(mine.partners, mine.configured),
      hub.app.get(AuditLog),
      { production: options.production ?? false, ...(options.now ? { now: options.now } : {}) },
    );
  }

  it('re-imports an edited file of a stored version in development only, and keeps a later version in force', async () => {
    const store = new AgreementStore(hub.dataSource);
    const gp = hub.app.get(HubPolicy).configured.find((agreement) => agreement.id === GP);
    if (!gp) throw new Error(`${GP} is not configured`);
    const edited = { agreement: { ...gp, title: 'GP registration (edited)' }, text: 'edited' };
    expect(await changesAt({ production: true }).importConfigured([edited])).toEqual([
      {
        level: 'warn',
        message: expect.stringMatching(
          /changes the terms of agreement cstr-south-london-gp version 1, .*give the file a new version/,
        ),
      },
    ]);
    expect((await store.version(GP, 1))?.agreement.title).toBe(gp.title);
    expect((await changesAt().importConfigured([edited]))[0].message).toMatch(
      /^Re-imported agreement cstr-south-london-gp version 1/,
    );
    expect((await store.version(GP, 1))?.agreement.title).toBe('GP registration (edited)');

    const court = hub.app.get(HubPolicy).configured.find((agreement) => agreement.id === COURT);
    if (!court) throw new Error(`${COURT} is not configured`);
    const older = await changesAt().importConfigured([{ agreement: { ...court, version: 1 }, text: 'version 1' }]);
    expect(older[0].message).toMatch(/for the record: version 3 is in force/);
    expect((await store.version(COURT, 1))?.state).toBe('superseded');
    expect((await store.version(COURT, 3))?.state).toBe('in-force');
  });

  it('puts an approved version with a later start date in force on that day, not before', async () => {
    const day = (offset: number): string => new Date(Date.now() + offset * DAY_MS).toISOString().slice(0, 10);
    const yaml = readFileSync(projectPath(`config/agreements/${GP}.yaml`), 'utf8')
      .replace(/^version: \d+$/m, 'version: 2')
      .replace(/^period: .*$/m, `period: { start: ${day(1)}, end: ${day(366)} }`);
    const today = changesAt();
    await today.propose('ig-lead-elsewhere', yaml);
    expect((await today.approve('ig-lead-other-site', GP, 2)).state).toBe('approved');
    expect(await today.takeEffectDue()).toBe(0);
    const store = new AgreementStore(hub.dataSource);
    expect((await store.version(GP, 1))?.state).toBe('in-force');

    const tomorrow = changesAt({ now: () => new Date(`${day(1)}T00:00:01Z`) });
    expect(await tomorrow.takeEffectDue()).toBe(1);
    expect((await store.version(GP, 2))?.state).toBe('in-force');
    expect((await store.version(GP, 1))?.state).toBe('superseded');
    const [record] = (await hub.dataSource.query(
      `SELECT actor, reason FROM audit_record WHERE kind = 'operator-action' AND agreement_id = $1 AND agreement_version = 2
       ORDER BY seq DESC LIMIT 1`,
      [GP],
    )) as { actor: string; reason: string }[];
    expect(record).toEqual({ actor: 'cstr-hub', reason: expect.stringMatching(/took effect in place of version 1/) });
  });

  it('picks up a change another hub made on the same store by polling', async () => {
    // Another hub: its own policy and change service over the same database.
    const mine = hub.app.get(HubPolicy);
    const otherPolicy = new HubPolicy(mine.partners, mine.configured);
    const other = new AgreementChanges(new AgreementStore(hub.dataSource), otherPolicy, hub.app.get(AuditLog), {
      production: false,
    });
    await other.propose('ig-lead-elsewhere', courtYaml(4));
    await other.approve('ig-lead-other-site', COURT, 4);
    expect(otherPolicy.agreement(COURT)?.version).toBe(4);
    await eventually(
      async () => mine.agreement(COURT)?.version,
      (version) => version === 4,
      10_000,
    );
    const next = await decisionsOf(fixtureEvent('court.hearing.listed'));
    expect(next.map((row) => [row.recipient, row.agreement_version])).toEqual([
      ['nps-london-croydon', 4],
      ['sl-liaison-diversion', 4],
    ]);
  });
});
