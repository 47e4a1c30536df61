import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { EventInput } from '@cstr/fhir';
import { NHS_NUMBER_SYSTEM } from '@cstr/identity';
import { eventually } from '@cstr/testing';
import { PRINCIPALS, type TestHub, type TestPrincipal } from './http-test-kit';
import { eventOf, fixtureInput } from './ingress-test-kit';
import { generatedIdentifiers } from './generated-people';
import { PartnerPublishers } from './partner-publishers';
import { CONSOLE_ARTIFACTS as ARTIFACTS, openView, startConsole, type ConsoleUnderTest } from './console-kit';
import { removedElementWords } from '../console/disclosure-words';
import { SUBJECT_ACCESS_CSV_HEADER } from '../src/subject-access/subject-access.document';
import { counted } from '../src/subject-access/subject-access.pdf';

/** The text of a PDF file as poppler's pdftotext reads it (scripts/ensure-deps.sh installs it), spaces collapsed. */
function pdfText(file: string): string {
  return execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
}

interface DecisionRow {
  outcome: 'delivered' | 'refused';
  event_type: string;
  sender: string;
  recipient: string;
  removed_elements: string[];
}

/**
 * The subject access export from the console, in a real browser (Debian's chromium through
 * playwright-core) against a hub with a real broker and database: an IG lead opens a person's
 * timeline and downloads the PDF and the CSV; the PDF's text (pdftotext) names the person, every
 * recipient and what was withheld in words, and the export is in the audit. An administrator sees
 * no export links. The PDF's first page is kept as an image in test-artifacts/console/.
 */
describe('the subject access export in the console', () => {
  const person = generatedIdentifiers(3, 61);
  const eventIds: string[] = [];
  let ui: ConsoleUnderTest;
  let hub: TestHub;
  const publishers = new PartnerPublishers('console-subject-access-test');

  async function publish(input: EventInput): Promise<void> {
    const event = eventOf(input);
    await publishers.publish(event);
    eventIds.push(event.eventId);
  }

  beforeAll(async () => {
    ui = await startConsole();
    hub = ui.hub;
    for (const type of [
      'ld.screening.completed',
      'court.hearing.listed',
      'probation.psr.requested',
      'treatment.assessment.completed',
    ] as const)
      await publish(
        fixtureInput(type, (input) => {
          input.person.identifiers = { ...person };
        }),
      );
    await eventually(
      async () =>
        (
          (await hub.dataSource.query(
            'SELECT count(DISTINCT event_id)::int AS count FROM audit_record WHERE event_id = ANY($1)',
            [eventIds],
          )) as { count: number }[]
        )[0].count,
      (count) => count === eventIds.length,
      30_000,
    );
  }, 120_000);

  afterAll(async () => {
    await publishers.close();
    await ui?.close();
  });

  async function openTimeline(principal: TestPrincipal): Promise<Page> {
    const page = await ui.signIn(principal, { acceptDownloads: true });
    await openView(page, 'Person timeline');
    await page
      .locator('#view-timeline')
      .getByLabel('Person identifier')
      .fill(person.nhsNumber ?? '');
    await page.getByRole('button', { name: 'Show timeline' }).click();
    await page.locator('#timeline-table tbody tr').first().waitFor();
    return page;
  }

  /** Clicks a download link and returns the saved file's path. */
  async function download(page: Page, name: string): Promise<{ file: string; suggested: string }> {
    const [saved] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name }).click()]);
    const file = join(ARTIFACTS, `subject-access-${saved.suggestedFilename().split('.').pop() ?? 'file'}`);
    await saved.saveAs(file);
    return { file, suggested: saved.suggestedFilename() };
  }

  /** Every decision about the person: on the events published here and the hub's own about them. */
  async function decisions(): Promise<DecisionRow[]> {
    return (await hub.dataSource.query(
      "SELECT outcome, event_type, sender, recipient, removed_elements FROM audit_record WHERE kind = 'decision' AND person_identifiers @> $1::jsonb ORDER BY seq",
      [JSON.stringify([{ system: NHS_NUMBER_SYSTEM, value: person.nhsNumber }])],
    )) as DecisionRow[];
  }

  it('lets an IG lead download the person’s PDF and CSV from the timeline: the PDF reads as the listing, and each download is audited', async () => {
    const page = await openTimeline(PRINCIPALS.auditor);
    const panel = page.locator('#timeline-export');
    await panel.waitFor();
    expect(await panel.getByRole('heading').innerText()).toBe('Subject access export');
    expect(await panel.getByRole('link').allInnerTexts()).toEqual(['Download PDF', 'Download CSV', 'Download JSON']);
    await page.screenshot({ path: join(ARTIFACTS, 'subject-access-links.png'), fullPage: true });

    const pdf = await download(page, 'Download PDF');
    expect(pdf.suggested).toMatch(/^subject-access-\d{4}-\d{2}-\d{2}-[0-9a-f-]{36}\.pdf$/);
    expect(readFileSync(pdf.file).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfText(pdf.file);
    expect(text).toContain('Subject access: disclosures and refusals about one person');
    expect(text).toContain(`NHS number: ${person.nhsNumber}`);
    expect(text).toContain(`Probation case reference (CRN): ${person.crn}`);
    expect(text).toContain(`by ${PRINCIPALS.auditor.id} (role ig-auditor)`);
    expect(text).toMatch(/Period covered: \d{2}\/\d{2}\/\d{4}, \d{2}:\d{2}:\d{2} to /);
    expect(text).toMatch(/Page 1 of \d+/);
    const rows = await decisions();
    const delivered = rows.filter((row) => row.outcome === 'delivered');
    expect(delivered.length).toBeGreaterThan(0);
    expect(text).toContain(
      `${counted(delivered.length, 'disclosure')}, ${counted(rows.length - delivered.length, 'refusal')},`,
    );
    for (const row of rows) expect(text).toContain(row.recipient);
    const withheld = delivered.flatMap((row) =>
      row.removed_elements.map((path) => removedElementWords(path, row.event_type)),
    );
    expect(withheld).toContain("the person's address (Patient.address)");
    for (const words of new Set(withheld)) expect(text).toContain(words);
    expect(text).not.toContain('Bundle.entry');
    // The first page as an image, for people to look at.
    execFileSync('pdftoppm', [
      '-png',
      '-r',
      '60',
      '-f',
      '1',
      '-l',
      '1',
      pdf.file,
      join(ARTIFACTS, 'subject-access-page'),
    ]);

    const csv = await download(page, 'Download CSV');
    const lines = readFileSync(csv.file, 'utf8').split('\r\n');
    expect(lines[0]).toBe(SUBJECT_ACCESS_CSV_HEADER.join(','));
    expect(lines.filter((line) => /^(disclosed|refused),/.test(line))).toHaveLength(rows.length);

    const exports = (await hub.dataSource.query(
      "SELECT actor, reason FROM audit_record WHERE kind = 'read' AND reason LIKE 'subject-access-export:%' ORDER BY seq",
    )) as { actor: string; reason: string }[];
    expect(exports.map((record) => [record.actor, /\(format (\w+)\)/.exec(record.reason)?.[1]])).toEqual([
      [PRINCIPALS.auditor.id, 'pdf'],
      [PRINCIPALS.auditor.id, 'csv'],
    ]);
    await page.context().close();
  }, 60_000);

  it('shows an administrator the timeline without the export links (the export is for IG leads)', async () => {
    const page = await openTimeline(PRINCIPALS.admin);
    expect(await page.locator('#timeline-export').isHidden()).toBe(true);
    const refused = await page.evaluate(
      async (path) => (await fetch(path, { headers: { 'X-Requested-With': 'cstr-console' } })).status,
      `/people/${person.nhsNumber ?? ''}/subject-access?format=pdf`,
    );
    expect(refused).toBe(403);
    await page.context().close();
  }, 30_000);
});
