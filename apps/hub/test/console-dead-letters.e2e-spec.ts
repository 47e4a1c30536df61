import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { deadLetterQueue, partnerInboxQueue } from '@cstr/contracts';
import { BrokerFixture, eventually, testEnvironment } from '@cstr/testing';
import { PRINCIPALS, basicAuth, type TestHub } from './http-test-kit';
import { parkInInboxDeadLetters } from './partner-publishers';
import { CONSOLE_ARTIFACTS as ARTIFACTS, cellsOf, openView, startConsole, type ConsoleUnderTest } from './console-kit';

const CROYDON = 'nps-london-croydon';
const TYPE = 'treatment.appointment.missed';

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
  let ui: ConsoleUnderTest;
  let hub: TestHub;
  let baseUrl: string;
  let broker: BrokerFixture;

  /** Parks an event in Croydon's inbox DLQ as its adapter does (its own broker user and retry exchange). */
  async function park(code: string): Promise<string> {
    return parkInInboxDeadLetters(
      CROYDON,
      { type: TYPE, code, reason: 'Delius has no case with this CRN.', body: '{"resourceType":"Bundle"}' },
      'console-bulk-test',
    );
  }

  beforeAll(async () => {
    ui = await startConsole();
    ({ hub, baseUrl } = ui);
    broker = await BrokerFixture.open(env.rabbitAdminUrl);
  }, 120_000);

  afterAll(async () => {
    await broker?.close();
    await ui?.close();
  });

  async function signIn(): Promise<Page> {
    const page = await ui.signIn(PRINCIPALS.operator);
    await openView(page, 'Dead letters');
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
