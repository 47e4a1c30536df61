import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { createServer, type Server } from 'node:http';
import { chromium, type Browser, type Page } from 'playwright-core';
import { AmqpHeaders, HUB_INGRESS_QUEUE, INGRESS_EXCHANGE, RETRY_EXCHANGE, deadLetterQueue } from '@cstr/contracts';
import type { EventInput } from '@cstr/fhir';
import { AmqpConnection, ConfirmedPublisher, HUB_BROKER_USER, encodeBody, connectAmqp } from '@cstr/messaging';
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
 * real broker and database: a user signs in with the form for a session cookie and signs out; an
 * IG lead finds every disclosure about one person and opens one decision's reason, and opens the
 * flow map; an operator replays a dead letter and sees what the hub then did with it, while
 * another site's page cannot; a partner is refused. Screenshots go to test-artifacts/console/.
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
    // A context of its own per user: its own cookies, closed with the page's context.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/console`);
    await page.getByLabel('User id').fill(principal.id);
    await page.getByLabel('Secret').fill(principal.secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    return page;
  }

  /**
   * Parks an event in hub.ingress's DLQ as the hub's own consumer would (published by the hub's
   * broker user, which the broker vouches for in `userId`, so the hub believes its headers) and
   * waits for the hub to drain it: its event and dead-letter ids.
   */
  async function parkDeadLetter(input: EventInput): Promise<{ eventId: string; id: string }> {
    const parked = eventOf(input);
    const connection = await connectAmqp(env.hubUrl);
    try {
      const channel = await connection.createConfirmChannel();
      channel.publish(RETRY_EXCHANGE, deadLetterQueue(HUB_INGRESS_QUEUE), encodeBody(parked.body), {
        messageId: parked.eventId,
        type: parked.type,
        userId: HUB_BROKER_USER,
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
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }
    const rows = await eventually(
      async () =>
        (await hub.dataSource.query('SELECT id::text AS id FROM hub_dead_letter WHERE event_id = $1', [
          parked.eventId,
        ])) as { id: string }[],
      (found) => found.length === 1,
      10_000,
    );
    return { eventId: parked.eventId, id: rows[0].id };
  }

  it('signs in with the form for an HttpOnly, SameSite=Strict session cookie, keeps no secret in the page, and signs out server-side', async () => {
    const page = await signIn(PRINCIPALS.auditor);
    await page.locator('#who').waitFor();
    const cookies = await page.context().cookies();
    const session = cookies.find((cookie) => cookie.name === 'cstr-console');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', secure: false });
    expect(cookies.map((cookie) => cookie.name)).toEqual(['cstr-console']);
    expect(await page.evaluate('window.sessionStorage.length + window.localStorage.length')).toBe(0);
    expect(await page.evaluate('document.cookie')).toBe('');
    // A reload keeps the session (the cookie), without asking again.
    await page.reload();
    await page.locator('#who').waitFor();
    expect(await page.locator('#who').textContent()).toContain(PRINCIPALS.auditor.id);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('Signed out.').waitFor();
    expect(await page.locator('#nav').isVisible()).toBe(false);
    // The old cookie value no longer opens anything, from anywhere.
    const after = await fetch(`${baseUrl}/audit/verify`, { headers: { Cookie: `cstr-console=${session?.value}` } });
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toBeNull();
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'signed-out.png') });
    await page.context().close();
  }, 30_000);

  it('refuses a replay posted by another site’s page while the operator is signed in', async () => {
    // About someone else, so that the IG lead's search for the person finds only their records.
    const letter = await parkDeadLetter(
      fixtureInput('court.hearing.listed', (input) => {
        input.person.identifiers = { ...generatedIdentifiers(7, 44) };
      }),
    );
    const page = await signIn(PRINCIPALS.operator);
    await page.locator('#who').waitFor();
    // Another site (localhost is not 127.0.0.1) with a form that posts to the replay endpoint.
    const attacker = createServer((_, response) => {
      response.setHeader('Content-Type', 'text/html');
      response.end(
        `<form method="post" action="${baseUrl}/dead-letters/${letter.id}/replay"><button type="submit">Win a prize</button></form>`,
      );
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    try {
      const attackerPage = await page.context().newPage();
      await attackerPage.goto(`http://localhost:${(attacker.address() as AddressInfo).port}/`);
      const [answer] = await Promise.all([
        attackerPage.waitForResponse((response) => response.url().endsWith('/replay')),
        attackerPage.getByRole('button', { name: 'Win a prize' }).click(),
      ]);
      expect(answer.status()).toBe(403);
      expect(answer.headers()['www-authenticate']).toBeUndefined();
      expect(JSON.parse(await answer.text())).toMatchObject({
        resourceType: 'OperationOutcome',
        issue: [{ code: 'forbidden' }],
      });
      // A script of that site cannot do it either.
      const scripted = await attackerPage.evaluate(
        (url) =>
          fetch(url, { method: 'POST', credentials: 'include', mode: 'no-cors' }).then(
            () => 'sent',
            () => 'failed',
          ),
        `${baseUrl}/dead-letters/${letter.id}/replay`,
      );
      expect(scripted).toBe('sent');
      const [row] = (await hub.dataSource.query('SELECT replayed_at FROM hub_dead_letter WHERE id = $1', [
        letter.id,
      ])) as { replayed_at: Date | null }[];
      expect(row.replayed_at).toBeNull();
      await attackerPage.close();
    } finally {
      await new Promise((resolve) => attacker.close(resolve));
    }
    await page.context().close();
  }, 40_000);

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
    await page.context().close();
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
    await page.context().close();
  }, 30_000);

  it('lets an operator replay a dead letter and see what the hub then did with it', async () => {
    const parked = await parkDeadLetter(asPerson('court.hearing.listed'));
    const page = await signIn(PRINCIPALS.operator);
    await page.getByRole('link', { name: 'Dead letters' }).click();
    const row = page.locator('#dead-letters-table tbody tr', { hasText: parked.eventId });
    await row.waitFor();
    await row.getByRole('button', { name: /^Replay/ }).click();
    await row.getByText(/Delivered to|Refused for|Failed again/).waitFor({ timeout: 20_000 });
    // The replay keeps the event's original routing key (its sender), so the hub delivers it.
    expect(await row.textContent()).toMatch(/Delivered to .*nps-london-croydon/);
    await page.screenshot({ path: join(ARTIFACTS, 'dead-letter-replayed.png') });
    await page.context().close();
  }, 40_000);

  it('refuses a partner', async () => {
    const page = await signIn(PRINCIPALS.slam);
    await page.getByRole('heading', { name: /403/ }).waitFor();
    expect(await page.locator('#nav').isVisible()).toBe(false);
    expect(await page.evaluate('window.sessionStorage.length')).toBe(0);
    expect(await page.context().cookies()).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS, 'partner-refused.png') });
    await page.context().close();
  }, 20_000);
});
