import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { delimiter, join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import {
  AmqpHeaders,
  deadLetterQueue,
  deliveryRoutingKey,
  partnerInboxQueue,
  partnerRetryExchange,
} from '@cstr/contracts';
import { AmqpConnection, ConfirmedPublisher } from '@cstr/messaging';
import { BrokerFixture, eventually, testEnvironment } from '@cstr/testing';
import { PRINCIPALS, basicAuth, bootHub, type TestHub } from './http-test-kit';

const ARTIFACTS = join(__dirname, '../../../test-artifacts/console');
const CROYDON = 'nps-london-croydon';
const TYPE = 'treatment.appointment.missed';

/** Compiles the console's TypeScript as `npm run build` does, so the browser runs this tree's code. */
function compileConsole(): void {
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', join(__dirname, '../console/tsconfig.json')],
    { stdio: 'inherit' },
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

/** The visible text of each cell of a table row. */
const cellsOf = (row: Locator): Promise<string[]> => row.locator('td').allInnerTexts();

interface BulkItem {
  id: string;
  queue: string;
  eventType: string;
  eventId: string;
  failureCode: string;
  failureReason: string;
  ageSeconds: number;
}

/**
 * The dead letters view's replay by filter, in a real browser (Debian's chromium through
 * playwright-core) against a hub with a real broker and database: an operator's dry run shows the
 * matching dead letters as the API lists them, and the replay, once confirmed, sends them back.
 */
describe('the console: replay dead letters by filter', () => {
  const env = testEnvironment();
  let hub: TestHub;
  let baseUrl: string;
  let browser: Browser;
  let broker: BrokerFixture;

  /** Parks an event in Croydon's inbox DLQ as its adapter does (its own broker user and retry exchange). */
  async function park(code: string): Promise<string> {
    const eventId = randomUUID();
    const connection = new AmqpConnection({ url: env.partnerUrls[CROYDON], connectionName: 'console-bulk-test' });
    await connection.start();
    const publisher = new ConfirmedPublisher(connection);
    try {
      await publisher.publish({
        exchange: partnerRetryExchange(CROYDON),
        routingKey: deadLetterQueue(partnerInboxQueue(CROYDON)),
        body: Buffer.from('{"resourceType":"Bundle"}'),
        eventId,
        type: TYPE,
        headers: {
          [AmqpHeaders.failureCode]: code,
          [AmqpHeaders.failureReason]: 'Delius has no case with this CRN.',
          [AmqpHeaders.failedQueue]: partnerInboxQueue(CROYDON),
          [AmqpHeaders.originalRoutingKey]: deliveryRoutingKey(CROYDON, TYPE),
          [AmqpHeaders.attempt]: 1,
        },
      });
    } finally {
      await publisher.close();
      await connection.close();
    }
    return eventId;
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    compileConsole();
    hub = await bootHub();
    baseUrl = `http://127.0.0.1:${((hub.app.getHttpServer() as Server).address() as AddressInfo).port}`;
    broker = await BrokerFixture.open(env.rabbitAdminUrl);
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-sync'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await broker?.close();
    await hub?.close();
  });

  async function signIn(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/console`);
    await page.getByLabel('User id').fill(PRINCIPALS.operator.id);
    await page.getByLabel('Secret').fill(PRINCIPALS.operator.secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Dead letters' }).click();
    return page;
  }

  it('lists in a dry run the dead letters a filter matches, as the hub does, and replays them once confirmed', async () => {
    const matching = [await park('unknown-crn'), await park('unknown-crn')];
    const otherCode = await park('delius-unavailable');
    await eventually(
      async () =>
        (
          (await hub.dataSource.query('SELECT count(*)::int AS count FROM hub_dead_letter WHERE event_id = ANY($1)', [
            [...matching, otherCode],
          ])) as { count: number }[]
        )[0].count,
      (count) => count === 3,
      15_000,
    );
    const today = new Date().toISOString().slice(0, 10);
    const page = await signIn();
    const view = page.locator('#view-dead-letters');
    await view.getByLabel('Partner id').fill(CROYDON);
    await view.getByLabel('Failure code').fill('unknown-crn');
    await view.getByLabel('Received from').fill(today);
    await view.getByLabel('Received to (inclusive)').fill(today);
    await view.getByRole('button', { name: 'Dry run' }).click();
    const summary = page.locator('#bulk-replay-summary');
    await summary.waitFor();

    // What the hub says the same filter matches.
    const tomorrow = new Date(Date.parse(`${today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const api = await fetch(
      `${baseUrl}/dead-letters/replay?partner=${CROYDON}&code=unknown-crn&from=${today}&to=${tomorrow}&dryRun=true`,
      { method: 'POST', headers: { Authorization: basicAuth(PRINCIPALS.operator) } },
    );
    const listed = (await api.json()) as { count: number; deadLetters: BulkItem[] };
    expect(listed.deadLetters.map((item) => item.eventId)).toEqual(expect.arrayContaining(matching));
    expect(listed.deadLetters.map((item) => item.eventId)).not.toContain(otherCode);

    expect(await summary.innerText()).toBe(`${listed.count} dead letters would be replayed.`);
    expect(await page.locator('#bulk-replay-caption').innerText()).toBe('Would be replayed, oldest first');
    const rows = await page.locator('#bulk-replay-table tbody tr').all();
    const shown = await Promise.all(rows.map(cellsOf));
    expect(shown.map((cells) => cells.slice(0, 5))).toEqual(
      listed.deadLetters.map((item) => [
        item.id,
        deadLetterQueue(partnerInboxQueue(CROYDON)),
        TYPE,
        item.eventId,
        `unknown-crn: Reported by ${CROYDON}'s adapter: Delius has no case with this CRN.`,
      ]),
    );
    // The age as words, from the hub's own clock (a few seconds here).
    for (const cells of shown) expect(cells[5]).toMatch(/^\d+ s$|^1 min$/);
    await page.screenshot({ path: join(ARTIFACTS, 'dead-letters-bulk-dry-run.png'), fullPage: true });
    // A dry run sends nothing back.
    expect(await hub.dataSource.query('SELECT id FROM hub_dead_letter WHERE replayed_at IS NOT NULL')).toEqual([]);

    // The replay asks first, with the count; then sends back exactly what the dry run listed.
    let asked = '';
    page.once('dialog', (dialog) => {
      asked = dialog.message();
      void dialog.accept();
    });
    await view.getByRole('button', { name: 'Replay', exact: true }).click();
    await page.locator('#bulk-replay-summary', { hasText: /^\d+ dead letters replayed\.$/ }).waitFor();
    expect(asked).toBe(`Replay ${listed.count} dead letters? Each is sent back once to the queue it failed in.`);
    expect(await summary.innerText()).toBe(`${listed.count} dead letters replayed.`);
    expect(await page.locator('#bulk-replay-caption').innerText()).toBe('Replayed, oldest first');
    const replayed = (await hub.dataSource.query(
      'SELECT event_id FROM hub_dead_letter WHERE replayed_at IS NOT NULL ORDER BY id',
    )) as { event_id: string }[];
    expect(replayed.map((row) => row.event_id)).toEqual(listed.deadLetters.map((item) => item.eventId));
    await eventually(
      () => broker.drain(partnerInboxQueue(CROYDON)),
      (messages) => matching.every((id) => messages.some((message) => message.properties.messageId === id)),
      10_000,
    );
    await page.context().close();
  }, 60_000);
});
