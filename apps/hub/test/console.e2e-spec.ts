import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import type { Server } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AmqpHeaders, HUB_INGRESS_QUEUE, INGRESS_EXCHANGE, RETRY_EXCHANGE, deadLetterQueue } from '@cstr/contracts';
import type { EventInput } from '@cstr/fhir';
import { AmqpConnection, ConfirmedPublisher, encodeBody } from '@cstr/messaging';
import { BrokerFixture, eventually, testEnvironment } from '@cstr/testing';
import { bootHub, PRINCIPALS, type TestHub, type TestPrincipal } from './http-test-kit';
import { eventOf, fixtureInput } from './ingress-test-kit';
import { generatedIdentifiers } from './generated-people';

const ARTIFACTS = join(__dirname, '../../../test-artifacts/console');

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

/**
 * The console in a real browser (Debian's chromium through playwright-core) against a hub with a
 * real broker and database: an IG lead finds every disclosure about one person and opens one
 * decision's reason, and opens the flow map; an operator replays a dead letter and sees what the
 * hub then did with it; a partner is refused. Screenshots go to test-artifacts/console/.
 */
describe('the console in a browser', () => {
  const env = testEnvironment();
  const person = generatedIdentifiers(7, 43);
  let hub: TestHub;
  let baseUrl: string;
  let browser: Browser;
  let broker: BrokerFixture;
  const connections: AmqpConnection[] = [];

  async function publish(input: EventInput): Promise<string> {
    const event = eventOf(input);
    const connection = new AmqpConnection({
      url: env.partnerUrls[input.envelope.sender],
      connectionName: `console-test:${input.envelope.sender}`,
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
    return event.eventId;
  }

  const asPerson = <T extends EventInput['type']>(type: T): EventInput =>
    fixtureInput(type, (input) => {
      input.person.identifiers = { ...person };
    });

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    hub = await bootHub();
    baseUrl = `http://127.0.0.1:${((hub.app.getHttpServer() as Server).address() as AddressInfo).port}`;
    broker = await BrokerFixture.open(env.rabbitAdminUrl);
    const ids: string[] = [];
    for (const type of [
      'ld.screening.completed',
      'court.hearing.listed',
      'probation.psr.requested',
      'treatment.assessment.completed',
    ] as const)
      ids.push(await publish(asPerson(type)));
    await eventually(
      async () =>
        (
          (await hub.dataSource.query(
            "SELECT count(DISTINCT event_id)::int AS count FROM audit_record WHERE event_id = ANY($1) AND kind = 'decision'",
            [ids],
          )) as { count: number }[]
        )[0].count,
      (count) => count >= 3,
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
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    for (const connection of connections) await connection.close();
    await broker?.close();
    await hub?.close();
  });

  async function signIn(principal: TestPrincipal): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${baseUrl}/console`);
    await page.getByLabel('User id').fill(principal.id);
    await page.getByLabel('Secret').fill(principal.secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    return page;
  }

  it('lets an IG lead find every disclosure about one person and open a decision’s reason', async () => {
    const page = await signIn(PRINCIPALS.auditor);
    await page.getByRole('link', { name: 'Audit search' }).click();
    await page
      .locator('#view-audit')
      .getByLabel('Person identifier')
      .fill(person.nhsNumber ?? '');
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.locator('#audit-table tbody tr');
    await rows.first().waitFor();
    const decisions = (await hub.dataSource.query(
      "SELECT count(*)::int AS count FROM audit_record WHERE kind IN ('decision', 'kept-by-hub') AND person_identifiers::text LIKE $1",
      [`%${person.nhsNumber}%`],
    )) as { count: number }[];
    expect(await rows.count()).toBe(decisions[0].count);
    await expect(page.locator('#audit-table tbody .outcome-delivered').count()).resolves.toBeGreaterThan(0);
    await page
      .locator('#audit-table tbody tr', { has: page.locator('.outcome-delivered') })
      .first()
      .getByRole('button', { name: /^Why/ })
      .click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const reason = await dialog.textContent();
    expect(reason).toMatch(/Agreement/);
    expect(reason).toMatch(/Flow/);
    expect(reason).toMatch(/Legal basis/);
    await page.screenshot({ path: join(ARTIFACTS, 'audit-reason.png') });
    await page.keyboard.press('Escape');
    await expect(dialog.isVisible()).resolves.toBe(false);
    await page.close();
  }, 30_000);

  it('draws the flow map of the period for an IG lead', async () => {
    const page = await signIn(PRINCIPALS.auditor);
    await page.locator('#flow-map svg [data-partner]').first().waitFor();
    const flows = (await hub.dataSource.query(
      "SELECT DISTINCT sender, recipient FROM audit_record WHERE kind IN ('decision', 'kept-by-hub')",
    )) as { sender: string; recipient: string }[];
    const partners = new Set(flows.flatMap((flow) => [flow.sender, flow.recipient]));
    expect(await page.locator('#flow-map svg [data-partner]').count()).toBe(partners.size);
    expect(await page.locator('#flow-map svg g[data-sender]').count()).toBe(flows.length);
    expect(await page.locator('#flows-table tbody tr').count()).toBeGreaterThan(0);
    // What the hub kept (no partner may receive it) is counted in a column of its own.
    const keptCells = await page.locator('#flows-table tbody tr td:last-child').allTextContents();
    const [kept] = (await hub.dataSource.query(
      "SELECT count(*)::int AS count FROM audit_record WHERE kind = 'kept-by-hub'",
    )) as { count: number }[];
    expect(keptCells.reduce((sum, text) => sum + Number(text), 0)).toBe(kept.count);
    await page.screenshot({ path: join(ARTIFACTS, 'flow-map.png'), fullPage: true });
    await page.close();
  }, 30_000);

  it('lets an operator replay a dead letter and see what the hub then did with it', async () => {
    const parked = eventOf(asPerson('court.hearing.listed'));
    broker.channel.publish(RETRY_EXCHANGE, deadLetterQueue(HUB_INGRESS_QUEUE), encodeBody(parked.body), {
      messageId: parked.eventId,
      type: parked.type,
      contentType: 'application/fhir+json',
      persistent: true,
      headers: {
        [AmqpHeaders.failureCode]: 'handler-error',
        [AmqpHeaders.failureReason]: 'The database was unavailable',
        [AmqpHeaders.failedQueue]: HUB_INGRESS_QUEUE,
        [AmqpHeaders.originalRoutingKey]: parked.routingKey,
        [AmqpHeaders.attempt]: 5,
        [AmqpHeaders.deadLetteredAt]: new Date().toISOString(),
      },
    });
    await eventually(
      async () =>
        (await hub.dataSource.query('SELECT id FROM hub_dead_letter WHERE event_id = $1', [
          parked.eventId,
        ])) as unknown[],
      (rows) => rows.length === 1,
      10_000,
    );
    const page = await signIn(PRINCIPALS.operator);
    await page.getByRole('link', { name: 'Dead letters' }).click();
    const row = page.locator('#dead-letters-table tbody tr', { hasText: parked.eventId });
    await row.waitFor();
    await row.getByRole('button', { name: /^Replay/ }).click();
    await row.getByText(/Delivered to|Refused for|Failed again/).waitFor({ timeout: 20_000 });
    // The replay keeps the event's original routing key (its sender), so the hub delivers it.
    expect(await row.textContent()).toMatch(/Delivered to .*nps-london-croydon/);
    await page.screenshot({ path: join(ARTIFACTS, 'dead-letter-replayed.png') });
    await page.close();
  }, 40_000);

  it('refuses a partner', async () => {
    const page = await signIn(PRINCIPALS.slam);
    await page.getByRole('heading', { name: /403/ }).waitFor();
    expect(await page.locator('#nav').isVisible()).toBe(false);
    expect(await page.evaluate('window.sessionStorage.length')).toBe(0);
    await page.screenshot({ path: join(ARTIFACTS, 'partner-refused.png') });
    await page.close();
  }, 20_000);
});
