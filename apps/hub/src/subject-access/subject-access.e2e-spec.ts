import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { NHS_NUMBER_SYSTEM } from '@cstr/identity';
import { eventually } from '@cstr/testing';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';
import { basicAuth, bootHub, PRINCIPALS, type TestHub } from '../../test/http-test-kit';
import { fixtureEvent, providerConsentWithdrawn, type TestEvent } from '../../test/ingress-test-kit';
import { PartnerPublishers } from '../../test/partner-publishers';
import { removedElementWords } from '../../console/disclosure-words';
import { SUBJECT_ACCESS_CSV_HEADER, type SubjectAccessDocument } from './subject-access.document';

type Server = Parameters<typeof request>[0];

interface DecisionRow {
  seq: string;
  outcome: string;
  event_id: string;
  event_type: string;
  sender: string;
  recipient: string;
  flow_id: string | null;
  refusing_rule: string | null;
  removed_elements: string[];
}

/** The text of a PDF as poppler's pdftotext reads it, spaces collapsed. */
function pdfToText(pdf: Buffer): string {
  const folder = mkdtempSync(join(tmpdir(), 'subject-access-e2e-'));
  try {
    writeFileSync(join(folder, 'export.pdf'), pdf);
    return execFileSync('pdftotext', ['-raw', join(folder, 'export.pdf'), '-'], { encoding: 'utf8' }).replace(
      /\s+/g,
      ' ',
    );
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Collects a binary response body (supertest buffers text and JSON only). */
function binary(response: request.Response, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  response.on('data', (chunk: Buffer) => chunks.push(chunk));
  response.on('end', () => done(null, Buffer.concat(chunks)));
}

/**
 * `GET /people/{identifier}/subject-access` against a hub with a real broker and database: the
 * provider's pathway of the fixtures' person (allocation, referral, consent, a missed session
 * disclosed to probation, the consent withdrawn, the next session refused) exported as JSON, CSV
 * and PDF, each export audited; other roles refused.
 */
describe('the subject access export', () => {
  const nhsNumber = loadEventFixture('consent.recorded').person.identifiers.nhsNumber ?? '';
  const path = (format: string) => `/people/${nhsNumber}/subject-access?format=${format}`;
  let hub: TestHub;
  let server: Server;
  const publishers = new PartnerPublishers('subject-access-test');
  const eventIds: string[] = [];

  /** Publishes the event and waits until the hub has judged it (its records commit together). */
  async function handled(event: TestEvent): Promise<void> {
    await publishers.publish(event);
    eventIds.push(event.eventId);
    await eventually(
      async () =>
        (
          (await hub.dataSource.query('SELECT count(*)::int AS count FROM audit_record WHERE event_id = $1', [
            event.eventId,
          ])) as { count: number }[]
        )[0].count,
      (count) => count > 0,
      30_000,
    );
  }

  beforeAll(async () => {
    hub = await bootHub();
    server = hub.app.getHttpServer() as Server;
    for (const type of [
      'probation.case.allocated',
      'treatment.referral.requested',
      'treatment.referral.accepted',
      'consent.recorded',
      'treatment.appointment.missed',
    ] as const)
      await handled(fixtureEvent(type));
    await handled(providerConsentWithdrawn());
    await handled(fixtureEvent('treatment.appointment.missed'));
  }, 120_000);

  afterAll(async () => {
    await publishers.close();
    await hub?.close();
  });

  async function decisions(): Promise<DecisionRow[]> {
    return (await hub.dataSource.query(
      `SELECT seq, outcome, event_id, event_type, sender, recipient, flow_id, refusing_rule, removed_elements
       FROM audit_record WHERE kind = 'decision' AND event_id = ANY($1) ORDER BY seq`,
      [eventIds],
    )) as DecisionRow[];
  }

  async function exportReads(): Promise<{ actor: string; reason: string; person_identifiers: unknown }[]> {
    return (await hub.dataSource.query(
      "SELECT actor, reason, person_identifiers FROM audit_record WHERE kind = 'read' AND reason LIKE 'subject-access-export:%' ORDER BY seq",
    )) as { actor: string; reason: string; person_identifiers: unknown }[];
  }

  it('lists every decision about the person with sender, recipient, event, flow and what was withheld in words (JSON)', async () => {
    const response = await request(server).get(path('json')).set('Authorization', basicAuth(PRINCIPALS.auditor));
    expect(response.status).toBe(200);
    expect(response.headers['content-disposition']).toMatch(/^attachment; filename="subject-access-.+\.json"$/);
    expect(response.headers['cache-control']).toBe('no-store');
    const document = JSON.parse(response.text) as SubjectAccessDocument;
    const rows = await decisions();
    expect(rows.some((row) => row.outcome === 'delivered' && row.removed_elements.length > 0)).toBe(true);
    expect(rows.some((row) => row.refusing_rule === 'consent-withdrawn')).toBe(true);
    expect(
      document.disclosures.map((row) => [row.outcome, row.eventId, row.eventType, row.sender, row.recipient, row.flow]),
    ).toEqual(
      rows.map((row) => [
        row.outcome === 'delivered' ? 'disclosed' : 'refused',
        row.event_id,
        row.event_type,
        row.sender,
        row.recipient,
        row.flow_id,
      ]),
    );
    expect(document.disclosures.map((row) => row.withheld)).toEqual(
      rows.map((row) =>
        row.outcome === 'delivered'
          ? row.removed_elements.map((item) => removedElementWords(item, row.event_type))
          : [],
      ),
    );
    for (const row of document.disclosures.filter((each) => each.outcome === 'disclosed')) {
      expect(row.agreement).toEqual({ id: expect.any(String), version: expect.any(Number) });
      expect(row.legalBasis).toMatch(/^UK GDPR Art\. 6\(1\)/);
    }
    expect(document.person.identifiers).toContainEqual({
      label: 'NHS number',
      system: NHS_NUMBER_SYSTEM,
      value: nhsNumber,
    });
    expect(document.consentEvents.map((event) => [event.action, event.by])).toEqual([
      ['recorded', 'slam-mhtr'],
      ['withdrawn', 'slam-mhtr'],
    ]);
    expect(document.consents).toHaveLength(1);
    expect(document.consents[0]).toMatchObject({ by: 'slam-mhtr', withdrawnBy: document.consentEvents[1].eventId });
    expect(document.consents[0].reliedOnBy.length).toBeGreaterThan(0);
    expect(document.generatedBy).toEqual({ user: PRINCIPALS.auditor.id, role: 'ig-auditor' });
  });

  it('gives the same listing as CSV with a header row, and as a PDF whose text names the person and every recipient', async () => {
    const csv = await request(server).get(path('csv')).set('Authorization', basicAuth(PRINCIPALS.auditor));
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.text.split('\r\n');
    expect(lines[0]).toBe(SUBJECT_ACCESS_CSV_HEADER.join(','));
    const rows = await decisions();
    expect(lines.filter((line) => /^(disclosed|refused),/.test(line))).toHaveLength(rows.length);

    const pdf = await request(server)
      .get(path('pdf'))
      .set('Authorization', basicAuth(PRINCIPALS.auditor))
      .buffer(true)
      .parse(binary);
    expect(pdf.status).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const body = pdf.body as Buffer;
    expect(body.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = pdfToText(body);
    expect(text).toContain('Subject access: disclosures and refusals about one person');
    expect(text).toContain(`NHS number: ${nhsNumber}`);
    expect(text).toContain(`by ${PRINCIPALS.auditor.id} (role ig-auditor)`);
    expect(text).toMatch(/Page 1 of \d+/);
    for (const recipient of new Set(rows.map((row) => row.recipient))) expect(text).toContain(recipient);
  });

  it('records every export in the audit: the user, the format and the hub person id, against the person', async () => {
    const before = (await exportReads()).length;
    const response = await request(server).get(path('csv')).set('Authorization', basicAuth(PRINCIPALS.auditor));
    expect(response.status).toBe(200);
    const reads = await exportReads();
    expect(reads).toHaveLength(before + 1);
    const [personId] = (
      (await hub.dataSource.query('SELECT person_id FROM person_identifier WHERE system = $1 AND value = $2', [
        NHS_NUMBER_SYSTEM,
        nhsNumber,
      ])) as { person_id: string }[]
    ).map((row) => row.person_id);
    const last = reads[reads.length - 1];
    expect(last.actor).toBe(PRINCIPALS.auditor.id);
    expect(last.reason).toContain('(format csv)');
    expect(last.reason).toContain(`hub person ${personId}`);
    expect(last.person_identifiers).toContainEqual({ system: NHS_NUMBER_SYSTEM, value: nhsNumber });
  });

  it('is in the OpenAPI document, for IG leads, with its formats and OperationOutcome errors', async () => {
    const openapi = (await request(server).get('/docs-json').set('Authorization', basicAuth(PRINCIPALS.auditor)))
      .body as {
      paths: Record<
        string,
        {
          get?: {
            parameters: { name: string; schema?: { enum?: string[] } }[];
            responses: Record<string, { content?: Record<string, unknown> }>;
          };
        }
      >;
    };
    const operation = openapi.paths['/people/{identifier}/subject-access']?.get;
    expect(operation?.parameters.find((parameter) => parameter.name === 'format')?.schema?.enum).toEqual([
      'pdf',
      'csv',
      'json',
    ]);
    expect(Object.keys(operation?.responses['200']?.content ?? {})).toEqual(
      expect.arrayContaining(['application/pdf', 'text/csv', 'application/json']),
    );
    for (const status of ['400', '403', '404', '409'])
      expect(Object.keys(operation?.responses[status]?.content ?? {})).toEqual(['application/fhir+json']);
  });

  it('answers other roles, unknown people and unknown formats with an OperationOutcome, and audits nothing for them', async () => {
    const before = (await exportReads()).length;
    for (const principal of [PRINCIPALS.operator, PRINCIPALS.admin, PRINCIPALS.slam]) {
      const refused = await request(server).get(path('pdf')).set('Authorization', basicAuth(principal));
      expect(refused.status).toBe(403);
      expect(refused.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'forbidden' }] });
    }
    const unknown = await request(server)
      .get('/people/9990000018/subject-access?format=pdf')
      .set('Authorization', basicAuth(PRINCIPALS.auditor));
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
    const badFormat = await request(server).get(path('docx')).set('Authorization', basicAuth(PRINCIPALS.auditor));
    expect(badFormat.status).toBe(400);
    expect(badFormat.body).toMatchObject({ issue: [{ code: 'value', expression: ['format'] }] });
    expect(await exportReads()).toHaveLength(before);
  });
});
