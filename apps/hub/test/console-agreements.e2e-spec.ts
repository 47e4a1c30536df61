import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { projectPath } from '@cstr/platform';
import { eventually } from '@cstr/testing';
import { PRINCIPALS, type TestHub, type TestPrincipal } from './http-test-kit';
import { fixtureEvent } from './ingress-test-kit';
import { PartnerPublishers } from './partner-publishers';
import { CONSOLE_ARTIFACTS as ARTIFACTS, cellsOf, openView, startConsole, type ConsoleUnderTest } from './console-kit';

const COURT = 'cstr-south-london-court';
const COURT_TITLE = 'South London CSTR - courts, Liaison & Diversion and sentencing';
const REMOVED_FLOW = 'listing-to-liaison-diversion';

/** The court agreement's YAML as version 3, without the flow that sends listings to L&D. */
function proposedYaml(): string {
  const lines = readFileSync(projectPath(`config/agreements/${COURT}.yaml`), 'utf8')
    .replace(/^version: \d+$/m, 'version: 3')
    .split('\n');
  const start = lines.indexOf(`  - id: ${REMOVED_FLOW}`);
  const end = lines.findIndex((line, index) => index > start && line.startsWith('  - id: '));
  return [...lines.slice(0, start), ...lines.slice(end)].join('\n');
}

/**
 * Agreement change control in the console, in a real browser against a hub with a real broker
 * and database: an IG lead proposes a version of the court agreement without the L&D listing
 * flow and sees its differences and its impact on the decisions so far; approving it herself is
 * refused; a second IG lead approves it and the page shows the new version in force; the public
 * register, without signing in, lists it.
 */
describe('agreement changes in the console', () => {
  let ui: ConsoleUnderTest;
  let hub: TestHub;
  let baseUrl: string;

  beforeAll(async () => {
    ui = await startConsole();
    ({ hub, baseUrl } = ui);
    // One listing decided under version 2, so that the proposal has an impact to show.
    const event = fixtureEvent('court.hearing.listed');
    const publishers = new PartnerPublishers('console-agreements');
    await publishers.publish(event);
    await publishers.close();
    await eventually(
      async () =>
        (
          (await hub.dataSource.query(
            "SELECT count(*)::int AS count FROM audit_record WHERE event_id = $1 AND kind = 'decision'",
            [event.eventId],
          )) as { count: number }[]
        )[0].count,
      (count) => count === 2,
      20_000,
    );
  }, 120_000);

  afterAll(async () => {
    await ui?.close();
  });

  async function agreementsAs(principal: TestPrincipal): Promise<Page> {
    const page = await ui.signIn(principal);
    await page.locator('#who').waitFor();
    await openView(page, 'Agreements');
    await page.locator('#agreement-changes').waitFor();
    return page;
  }

  it('one IG lead proposes, a second approves, and the page shows the new version in force', async () => {
    const proposer = await agreementsAs(PRINCIPALS.auditor);
    // Starting from the version in force fills the form with its YAML, numbered on.
    await proposer.getByLabel('Start from the version in force of').selectOption(COURT);
    await eventually(
      () => proposer.getByLabel(/The new version/).inputValue(),
      (yaml) => yaml.includes('version: 3'),
      5_000,
    );
    await proposer.getByLabel(/The new version/).fill(proposedYaml());
    await proposer.getByLabel(/Note for the approving IG lead/).fill('L&D reads the list from Common Platform');
    await proposer.getByRole('button', { name: 'Propose' }).click();

    const detail = proposer.locator('#change-detail');
    await detail.locator('.impact-summary').waitFor();
    await expect(proposer.locator('#status').innerText()).resolves.toBe(
      `Proposed ${COURT} version 3: a second IG lead must approve it.`,
    );
    await expect(detail.locator('h3').innerText()).resolves.toBe(`${COURT} version 3: proposed`);
    const differences = detail.locator('table').first().locator('tbody tr');
    expect(await differences.count()).toBe(1);
    const [area, flow, item, change, before, after] = await cellsOf(differences.first());
    expect([area, flow, item, change, after]).toEqual(['flow', REMOVED_FLOW, REMOVED_FLOW, 'removed', '']);
    expect(before).toBe('court.hearing.listed from kind hmcts to kind ld');
    // What the audit holds (the broker is shared: an earlier test file's listing may be among them).
    const [{ decisions, toLd }] = (await hub.dataSource.query(
      `SELECT count(*)::int AS decisions,
              count(*) FILTER (WHERE outcome = 'delivered' AND flow_id = '${REMOVED_FLOW}')::int AS "toLd"
       FROM audit_record WHERE kind = 'decision'`,
    )) as { decisions: number; toLd: number }[];
    expect(toLd).toBeGreaterThanOrEqual(1);
    const summary =
      /^Impact over the last 30 days: (\d+) decisions, \d+ re-evaluated under this version, (\d+) would change\.$/.exec(
        await detail.locator('.impact-summary').innerText(),
      );
    expect([summary?.[1], summary?.[2]]).toEqual([String(decisions), String(toLd)]);
    const impactRows = detail.locator('table').nth(1).locator('tbody tr');
    const impact = await Promise.all((await impactRows.all()).map(cellsOf));
    expect(impact).toContainEqual([
      `${COURT} / ${REMOVED_FLOW}`,
      'sl-liaison-diversion',
      'whole disclosures',
      '0',
      String(toLd),
    ]);
    await proposer.locator('#agreement-changes').screenshot({ path: join(ARTIFACTS, 'agreement-proposal.png') });

    // Four eyes: the proposer's own approval is refused, in words.
    await detail.getByRole('button', { name: 'Approve' }).click();
    await eventually(
      () => proposer.locator('#status').innerText(),
      (text) => text.includes('a second, different IG lead must approve it'),
      5_000,
    );
    const row = proposer.locator(`#versions-table tr[data-version="${COURT}/3"]`);
    expect((await cellsOf(row)).slice(0, 3)).toEqual([COURT, '3', 'proposed']);

    const approver = await agreementsAs(PRINCIPALS.auditorOperator);
    await approver.getByRole('button', { name: `Open ${COURT} v3` }).click();
    await approver.locator('#change-detail').getByRole('button', { name: 'Approve' }).click();
    await eventually(
      () => approver.locator('#status').innerText(),
      (text) => text === `${COURT} version 3 is in force.`,
      10_000,
    );
    const box = approver.locator(`#agreements-list article[data-agreement="${COURT}"]`);
    await expect(box.locator('h2').innerText()).resolves.toBe(`${COURT} v3 — ${COURT_TITLE}`);
    const flows = await box.locator('tbody tr td:first-child').allInnerTexts();
    expect(flows).toContain('listing-to-probation');
    expect(flows).not.toContain(REMOVED_FLOW);
    const decided = approver.locator(`#versions-table tr[data-version="${COURT}/3"]`);
    const cells = await cellsOf(decided);
    expect(cells.slice(0, 3)).toEqual([COURT, '3', 'in-force']);
    expect(cells[4]).toMatch(new RegExp(`^${PRINCIPALS.auditorOperator.id}, `));
    await box.screenshot({ path: join(ARTIFACTS, 'agreement-approved.png') });
  });

  it('shows the public register without signing in: the version in force, its purpose, parties and legal basis', async () => {
    const page = await (await ui.browser.newContext()).newPage();
    const response = await page.goto(`${baseUrl}/register`);
    expect(response?.status()).toBe(200);
    await expect(page.locator('h1').innerText()).resolves.toBe('Register of information-sharing agreements');
    const court = page.locator(`article[data-agreement="${COURT}"]`);
    await expect(court.locator('h2').innerText()).resolves.toBe(COURT_TITLE);
    await expect(court.locator('p').first().innerText()).resolves.toMatch(
      new RegExp(`^Agreement ${COURT}, version 3; in force from 2026-04-01 to 2027-03-31\\.$`),
    );
    const text = await court.innerText();
    expect(text).toContain('UK GDPR Article 6(1)(e)');
    expect(text).toContain('Croydon Magistrates');
    expect(await page.locator('body').innerText()).not.toMatch(/ig-lead|L&D reads the list|birthDate/);
  });
});
