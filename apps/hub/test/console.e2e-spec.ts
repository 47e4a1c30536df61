import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { AmqpHeaders, HUB_INGRESS_QUEUE, RETRY_EXCHANGE, deadLetterQueue } from '@cstr/contracts';
import type { EventInput } from '@cstr/fhir';
import { HUB_BROKER_USER, encodeBody, connectAmqp } from '@cstr/messaging';
import { BrokerFixture, eventually, testEnvironment } from '@cstr/testing';
import type { Page } from 'playwright-core';
import { PRINCIPALS, basicAuth, type TestHub, type TestPrincipal } from './http-test-kit';
import { eventOf, fixtureInput } from './ingress-test-kit';
import { generatedIdentifiers } from './generated-people';
import { PartnerPublishers } from './partner-publishers';
import {
  CONSOLE_ARTIFACTS as ARTIFACTS,
  cellsOf,
  openView,
  shownTime as shown,
  startConsole,
  type ConsoleUnderTest,
} from './console-kit';
import { legalBasisWords, removedElementWords } from '../console/disclosure-words';

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
  let ui: ConsoleUnderTest;
  let hub: TestHub;
  let baseUrl: string;
  let broker: BrokerFixture;
  const publishers = new PartnerPublishers('console-test');

  async function publish(input: EventInput): Promise<string> {
    const event = eventOf(input);
    await publishers.publish(event);
    return event.eventId;
  }

  const asPerson = <T extends EventInput['type']>(type: T): EventInput =>
    fixtureInput(type, (input) => {
      input.person.identifiers = { ...person };
    });

  beforeAll(async () => {
    ui = await startConsole();
    ({ hub, baseUrl } = ui);
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
  }, 120_000);

  afterAll(async () => {
    await publishers.close();
    await broker?.close();
    await ui?.close();
  });

  const signIn = (principal: TestPrincipal): Promise<Page> => ui.signIn(principal);

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
    await openView(page, 'Audit search');
    await page
      .locator('#view-audit')
      .getByLabel('Person identifier')
      .fill(person.nhsNumber ?? '');
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.locator('#audit-table tbody tr');
    await rows.first().waitFor();
    const records = (await hub.dataSource.query(
      `SELECT recorded_at, event_type, sender, recipient, outcome, agreement_id, agreement_version, flow_id, legal_basis, removed_elements
       FROM audit_record WHERE kind IN ('decision', 'kept-by-hub') AND person_identifiers::text LIKE $1 ORDER BY recorded_at DESC, seq DESC`,
      [`%${person.nhsNumber}%`],
    )) as {
      recorded_at: Date;
      event_type: string;
      sender: string;
      recipient: string;
      outcome: string;
      agreement_id: string | null;
      agreement_version: number | null;
      flow_id: string | null;
      legal_basis: Record<string, string> | null;
      removed_elements: string[];
    }[];
    // Each row shows the record's time, event type, sender, recipient and outcome, newest first.
    const shownRows = await Promise.all((await rows.all()).map(cellsOf));
    expect(shownRows.map((cells) => cells.slice(0, 5))).toEqual(
      records.map((record) => [
        shown(record.recorded_at),
        record.event_type,
        record.sender,
        record.recipient,
        record.outcome,
      ]),
    );
    // The reason of the newest delivery: its agreement and version, flow, legal basis and what was withheld, in words.
    const index = records.findIndex((record) => record.outcome === 'delivered');
    expect(index).toBeGreaterThanOrEqual(0);
    const delivered = records[index];
    await rows.nth(index).getByRole('button', { name: /^Why/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    const reason = Object.fromEntries(
      await Promise.all(
        (await dialog.locator('dt').all()).map(async (dt) => [
          await dt.innerText(),
          await dt.locator('xpath=following-sibling::dd[1]').innerText(),
        ]),
      ),
    ) as Record<string, string>;
    expect(reason).toMatchObject({
      Outcome: 'delivered',
      'Event type': delivered.event_type,
      Sender: delivered.sender,
      Recipient: delivered.recipient,
      Agreement: `${delivered.agreement_id} v${delivered.agreement_version}`,
      Flow: delivered.flow_id,
      'Legal basis': legalBasisWords(delivered.legal_basis),
      'Elements removed':
        delivered.removed_elements.map((path) => removedElementWords(path, delivered.event_type)).join('; ') || 'none',
    });
    expect(reason['Legal basis']).toMatch(/^UK GDPR Art\. 6\(1\)\(e\)/);
    await page.screenshot({ path: join(ARTIFACTS, 'audit-reason.png') });
    await page.keyboard.press('Escape');
    await expect(dialog.isVisible()).resolves.toBe(false);
    await page.context().close();
  }, 30_000);

  it('shows an IG lead one person’s timeline: when, what was decided, under which agreement, flow and legal basis, and what was withheld', async () => {
    const page = await signIn(PRINCIPALS.auditor);
    await openView(page, 'Person timeline');
    await page
      .locator('#view-timeline')
      .getByLabel('Person identifier')
      .fill(person.nhsNumber ?? '');
    const [response] = await Promise.all([
      page.waitForResponse((answer) => answer.url().includes('/timeline')),
      page.getByRole('button', { name: 'Show timeline' }).click(),
    ]);
    expect(response.status()).toBe(200);
    // What the API returned (its documented names: at, kind, agreement { id, version }, flow, legalBasis, removedElements).
    const timeline = (await response.json()) as {
      entries: {
        at: string;
        kind: string;
        eventType?: string | null;
        agreement?: { id: string; version: number } | null;
        flow?: string | null;
        legalBasis?: Record<string, string> | null;
        removedElements?: string[];
      }[];
    };
    const rows = page.locator('#timeline-table tbody tr');
    await rows.first().waitFor();
    const shownRows = await Promise.all((await rows.all()).map(cellsOf));
    expect(shownRows).toHaveLength(timeline.entries.length);
    const decisions: Record<string, string> = {
      event: 'accepted',
      delivery: 'delivered',
      refusal: 'refused',
      read: 'read',
    };
    timeline.entries.forEach((entry, index) => {
      const [time, , , , , decision, agreementFlow, legalBasis, withheld] = shownRows[index];
      expect(time).toBe(shown(entry.at));
      if (decisions[entry.kind]) expect(decision).toBe(decisions[entry.kind]);
      expect(decision).not.toBe('');
      if (entry.kind === 'delivery') {
        expect(agreementFlow).toBe(`${entry.agreement?.id} v${entry.agreement?.version} / ${entry.flow}`);
        expect(legalBasis).toBe(legalBasisWords(entry.legalBasis));
        expect(legalBasis).toMatch(/^UK GDPR Art\. 6\(1\)\(e\)/);
        const words = (entry.removedElements ?? []).map((path) => removedElementWords(path, entry.eventType ?? ''));
        expect(withheld).toBe(words.length > 0 ? words.join('\n') : 'nothing');
      }
    });
    const text = shownRows.flat().join('\n');
    expect(text).not.toContain('[object Object]');
    expect(text).not.toContain('Bundle.entry');
    // Every delivery about the person is there, and what the redaction took out reads as words.
    const [delivered] = (await hub.dataSource.query(
      "SELECT count(*)::int AS count FROM audit_record WHERE kind = 'decision' AND outcome = 'delivered' AND person_identifiers::text LIKE $1",
      [`%${person.nhsNumber}%`],
    )) as { count: number }[];
    expect(shownRows.filter((cells) => cells[5] === 'delivered')).toHaveLength(delivered.count);
    expect(delivered.count).toBeGreaterThan(0);
    expect(text).toContain("the person's address (Patient.address)");
    expect(text).toContain("the court's address (Location)");
    expect(shownRows.filter((cells) => cells[1] === 'Event').map((cells) => cells[2])).toEqual(
      expect.arrayContaining(['ld.screening.completed', 'court.hearing.listed', 'probation.psr.requested']),
    );
    await page.screenshot({ path: join(ARTIFACTS, 'timeline.png'), fullPage: true });
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
    // The table under the map: sender, recipient, event type and the three counts, as the audit holds them.
    const counts = (await hub.dataSource.query(
      `SELECT sender, recipient, event_type,
              count(*) FILTER (WHERE outcome = 'delivered')::int AS delivered,
              count(*) FILTER (WHERE outcome = 'refused')::int AS refused,
              count(*) FILTER (WHERE kind = 'kept-by-hub')::int AS kept
       FROM audit_record WHERE kind IN ('decision', 'kept-by-hub') GROUP BY sender, recipient, event_type`,
    )) as { sender: string; recipient: string; event_type: string; delivered: number; refused: number; kept: number }[];
    const tableRows = await Promise.all((await page.locator('#flows-table tbody tr').all()).map(cellsOf));
    const sorted = (rows: string[][]) => rows.map((row) => row.join(' | ')).sort();
    expect(sorted(tableRows)).toEqual(
      sorted(
        counts.map((row) => [
          row.sender,
          row.recipient,
          row.event_type,
          String(row.delivered),
          String(row.refused),
          String(row.kept),
        ]),
      ),
    );
    expect(counts.some((row) => row.kept > 0)).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'flow-map.png'), fullPage: true });
    await page.context().close();
  }, 30_000);

  it('lets an operator replay a dead letter and see what the hub then did with it', async () => {
    const parked = await parkDeadLetter(asPerson('court.hearing.listed'));
    const page = await signIn(PRINCIPALS.operator);
    await openView(page, 'Dead letters');
    const row = page.locator('#dead-letters-table tbody tr', { hasText: parked.eventId });
    await row.waitFor();
    const [received] = (await hub.dataSource.query('SELECT received_at FROM hub_dead_letter WHERE id = $1', [
      parked.id,
    ])) as { received_at: Date }[];
    expect((await cellsOf(row)).slice(0, 7)).toEqual([
      parked.id,
      shown(received.received_at),
      'court.hearing.listed',
      parked.eventId,
      'handler-error: The database was unavailable',
      '5',
      'Waiting',
    ]);
    await row.getByRole('button', { name: /^Replay/ }).click();
    await row.getByText(/Delivered to|Refused for|Failed again/).waitFor({ timeout: 20_000 });
    // The replay keeps the event's original routing key (its sender), so the hub delivers it.
    expect(await row.textContent()).toMatch(/Delivered to .*nps-london-croydon/);
    await page.screenshot({ path: join(ARTIFACTS, 'dead-letter-replayed.png') });
    await page.context().close();
  }, 40_000);

  it('shows an IG lead the agreements in force with their legal basis and flows, and the chain’s status', async () => {
    const page = await signIn(PRINCIPALS.auditor);
    await openView(page, 'Agreements');
    const answer = await fetch(`${baseUrl}/agreements`, {
      headers: { Authorization: basicAuth(PRINCIPALS.auditor) },
    });
    const { agreements } = (await answer.json()) as {
      agreements: {
        id: string;
        version: number;
        title?: string;
        legalBasis: Record<string, string>;
        flows: { id: string; events: string[]; consent: string; purpose: string }[];
      }[];
    };
    expect(agreements.length).toBeGreaterThan(0);
    await page.locator('#agreements-list article').first().waitFor();
    expect(await page.locator('#agreements-list article').count()).toBe(agreements.length);
    for (const agreement of agreements) {
      const box = page.locator(`#agreements-list article[data-agreement="${agreement.id}"]`);
      expect(await box.locator('h2').innerText()).toBe(
        `${agreement.id} v${agreement.version}${agreement.title ? ` — ${agreement.title}` : ''}`,
      );
      expect(await box.locator('.legal-basis').innerText()).toBe(
        `Legal basis: ${legalBasisWords(agreement.legalBasis)}`,
      );
      const flows = await Promise.all((await box.locator('tbody tr').all()).map(cellsOf));
      expect(flows.map(([id, events, , , consent, purpose]) => [id, events, consent, purpose])).toEqual(
        agreement.flows.map((flow) => [flow.id, flow.events.join(', '), flow.consent, flow.purpose]),
      );
    }
    await openView(page, 'Chain status');
    await page.getByRole('button', { name: 'Verify the chain now' }).click();
    await page.locator('#chain-result', { hasText: /Intact|Broken/ }).waitFor();
    const verified = /^Intact: (\d+) records checked, head at (\d+) \(verified (.+)\)\.$/.exec(
      await page.locator('#chain-result').innerText(),
    );
    expect(verified).not.toBeNull();
    // The head of chain main (the ingress partitions' chains number their records from their own bases).
    const [head] = (await hub.dataSource.query(
      `SELECT max(seq)::int AS seq FROM audit_record WHERE chain_id = 'main'`,
    )) as { seq: number }[];
    expect(Number(verified?.[1])).toBeGreaterThan(0);
    expect(Number(verified?.[2])).toBeLessThanOrEqual(head.seq);
    await page.screenshot({ path: join(ARTIFACTS, 'agreements-chain.png'), fullPage: true });
    await page.context().close();
  }, 30_000);

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
