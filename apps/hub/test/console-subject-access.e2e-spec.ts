import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import type { Server } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { INGRESS_EXCHANGE } from '@cstr/contracts';
import type { EventInput } from '@cstr/fhir';
import { AmqpConnection, ConfirmedPublisher, encodeBody } from '@cstr/messaging';
import { NHS_NUMBER_SYSTEM } from '@cstr/identity';
import { eventually, testEnvironment } from '@cstr/testing';
import { bootHub, PRINCIPALS, type TestHub, type TestPrincipal } from './http-test-kit';
import { eventOf, fixtureInput } from './ingress-test-kit';
import { generatedIdentifiers } from './generated-people';
import { removedElementWords } from '../console/disclosure-words';
import { SUBJECT_ACCESS_CSV_HEADER } from '../src/subject-access/subject-access.document';
import { counted } from '../src/subject-access/subject-access.pdf';

const ARTIFACTS = join(__dirname, '../../../test-artifacts/console');

/** Compiles the console's TypeScript as `npm run build` does, so the browser runs this tree's code. */
function compileConsole(): void {
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', join(__dirname, '../console/tsconfig.json')],
    {
      stdio: 'inherit',
    },
  );
}

/** Debian's chromium on the PATH (scripts/ensure-deps.sh installs it), or CHROMIUM_PATH. */
function chromiumPath(): string {
  const candidates = process.env.CHROMIUM_PATH
    ? [process.env.CHROMIUM_PATH]
    : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'chromium'));
  const found = candidates.find((path) => existsSync(path));
  if (!found)
    throw new Error(
      'chromium is not installed: run scripts/ensure-deps.sh (Debian package chromium) or set CHROMIUM_PATH.',
    );
  return found;
}

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
  const env = testEnvironment();
  const person = generatedIdentifiers(3, 61);
  const eventIds: string[] = [];
  let hub: TestHub;
  let baseUrl: string;
  let browser: Browser;
  const connections: AmqpConnection[] = [];

  async function publish(input: EventInput): Promise<void> {
    const event = eventOf(input);
    const connection = new AmqpConnection({
      url: env.partnerUrls[input.envelope.sender],
      connectionName: `console-subject-access-test:${input.envelope.sender}`,
    });
    await connection.start();
    connections.push(connection);
    const publisher = new ConfirmedPublisher(connection);
    await publisher.publish({
      exchange: INGRESS_EXCHANGE,
      routingKey: event.routingKey,
      eventId: event.eventId,
      type: event.type,
      correlationId: event.correlationId,
      body: encodeBody(event.body),
    });
    await publisher.close();
    eventIds.push(event.eventId);
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    compileConsole();
    hub = await bootHub();
    baseUrl = `http://127.0.0.1:${((hub.app.getHttpServer() as Server).address() as AddressInfo).port}`;
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
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    for (const connection of connections) await connection.close();
    await hub?.close();
  });

  async function openTimeline(principal: TestPrincipal): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/console`);
    await page.getByLabel('User id').fill(principal.id);
    await page.getByLabel('Secret').fill(principal.secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Person timeline' }).click();
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
