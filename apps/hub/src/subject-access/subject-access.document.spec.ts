import {
  csvField,
  subjectAccessCsv,
  subjectAccessDocument,
  SUBJECT_ACCESS_CSV_HEADER,
  type SubjectAccessSources,
} from './subject-access.document';
import { auditRecord, TEST_CONSENT, TEST_IDENTIFIERS } from './subject-access-test-records';

const GENERATED_AT = new Date('2026-12-06T13:00:00Z');

function sources(overrides: Partial<SubjectAccessSources> = {}): SubjectAccessSources {
  return {
    hubPersonId: '6f1c2a4e-0000-4000-8000-000000000001',
    identifiers: TEST_IDENTIFIERS,
    records: [],
    consentEvents: [],
    consents: [],
    generatedAt: GENERATED_AT,
    generatedBy: 'ig-lead',
    truncated: false,
    ...overrides,
  };
}

/** Splits RFC 4180 CSV into rows of fields (quoted fields may hold commas, quotes and line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\r' && text[index + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      index++;
    } else field += char;
  }
  return rows;
}

describe('the subject access document', () => {
  it('lists disclosures and refusals oldest first, with sender, recipient, event, agreement, flow and legal basis in words', () => {
    const document = subjectAccessDocument(
      sources({
        records: [
          auditRecord(7, {
            outcome: 'refused',
            recipient: 'pds-gp-registration',
            agreement: null,
            flowId: null,
            legalBasis: null,
            refusingRule: 'not-connected',
            reason: 'pds-gp-registration is not connected to the person.',
          }),
          auditRecord(3, { removedElements: ['Patient.address'] }),
          auditRecord(9, {
            kind: 'refusal-at-ingress',
            outcome: 'refused',
            recipient: null,
            refusingRule: 'invalid',
            reason: 'Patient.birthDate: 1990-13-45 is not a date',
          }),
          auditRecord(11, { kind: 'read', outcome: 'read', actor: 'ig-lead', reason: 'GET /audit' }),
        ],
      }),
    );
    expect(document.disclosures.map((row) => [row.outcome, row.sender, row.recipient])).toEqual([
      ['disclosed', 'croydon-mc', 'slam-mhtr'],
      ['refused', 'croydon-mc', 'pds-gp-registration'],
      ['refused-on-arrival', 'croydon-mc', null],
    ]);
    const [disclosed, refused, onArrival] = document.disclosures;
    expect(disclosed).toMatchObject({
      eventType: 'court.sentence.imposed',
      eventId: '00000000-0000-4000-8000-000000000003',
      agreement: { id: 'cstr-south-london-court', version: 2 },
      flow: 'sentence-to-provider',
      legalBasis: 'UK GDPR Art. 6(1)(e); Art. 9(2)(h); Criminal Justice Act 2003 s207',
      withheld: ["the person's address (Patient.address)"],
      at: '2026-12-01T10:00:03.000Z',
    });
    expect(refused).toMatchObject({ rule: 'not-connected', withheld: [] });
    // A refusal on arrival's reason quotes the partner's message: only its rule is listed.
    expect(onArrival).toMatchObject({ rule: 'invalid', reason: null });
    expect(document.period).toEqual({ from: '2026-12-01T10:00:03.000Z', to: GENERATED_AT.toISOString() });
    expect(document.generatedBy).toEqual({ user: 'ig-lead', role: 'ig-auditor' });
  });

  it('names a withheld resource in words and never carries its code or the stored path', () => {
    const document = subjectAccessDocument(
      sources({
        records: [
          auditRecord(1, {
            eventType: 'ld.screening.completed',
            removedElements: ['Bundle.entry[4] (Condition 35489007)', 'Bundle.entry[8] (Location)'],
          }),
        ],
      }),
    );
    expect(document.disclosures[0].withheld).toEqual([
      'a diagnosis or need (Condition)',
      "the custody suite's or court's address (Location)",
    ]);
    const everyFormat = [JSON.stringify(document), subjectAccessCsv(document)];
    for (const text of everyFormat) {
      expect(text).not.toContain('35489007');
      expect(text).not.toContain('Bundle.entry[4]');
    }
  });

  it('labels the identifiers, NHS number first, and keeps the consents with the flows that relied on them', () => {
    const document = subjectAccessDocument(
      sources({
        identifiers: [...TEST_IDENTIFIERS].reverse(),
        records: [
          auditRecord(1, {
            eventType: 'treatment.appointment.attended',
            sender: 'slam-mhtr',
            recipient: 'nps-london-croydon',
            flowId: 'attendance-to-probation',
            consentReference: TEST_CONSENT.ref,
          }),
        ],
        consentEvents: [
          {
            at: '2026-11-30T09:00:00.000Z',
            action: 'recorded',
            by: 'slam-mhtr',
            eventId: 'c0000000-0000-4000-8000-000000000001',
            occurredAt: null,
          },
        ],
        consents: [TEST_CONSENT],
      }),
    );
    expect(document.person.identifiers.map((identifier) => `${identifier.label}: ${identifier.value}`)).toEqual([
      'NHS number: 9990000123',
      'Probation case reference (CRN): X412563',
    ]);
    expect(document.consents).toEqual([
      {
        reference: TEST_CONSENT.ref,
        by: 'slam-mhtr',
        status: 'active',
        recipients: ['nps-london-croydon'],
        withdrawnRecipients: [],
        period: { start: '2026-12-01', end: null },
        withdrawnBy: null,
        reliedOnBy: ['attendance-to-probation (to nps-london-croydon)'],
      },
    ]);
    // The period starts with the oldest thing listed, a consent event here.
    expect(document.period.from).toBe('2026-11-30T09:00:00.000Z');
  });
});

describe('the subject access CSV', () => {
  it('quotes fields holding commas, quotes or line breaks so that they read back unchanged', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a, b')).toBe('"a, b"');
    expect(csvField('the "court"')).toBe('"the ""court"""');
    expect(csvField('line one\nline two')).toBe('"line one\nline two"');
    expect(csvField('cr\r\nlf')).toBe('"cr\r\nlf"');
  });

  it('makes a field a spreadsheet would run as a formula plain text', () => {
    expect(csvField('=HYPERLINK("http://example.org")')).toBe('"\'=HYPERLINK(""http://example.org"")"');
    expect(csvField('+44 20')).toBe("'+44 20");
    expect(csvField('-1')).toBe("'-1");
    expect(csvField('@sum')).toBe("'@sum");
  });

  it('has a header row and one row per disclosure, consent event and consent, each reading back field for field', () => {
    const reason = 'Refused, because "the court" said:\nnot connected';
    const document = subjectAccessDocument(
      sources({
        records: [
          auditRecord(1, { removedElements: ['Patient.address', 'Patient.telecom'] }),
          auditRecord(2, { outcome: 'refused', refusingRule: 'not-addressed', flowId: null, reason }),
        ],
        consentEvents: [
          {
            at: '2026-11-30T09:00:00.000Z',
            action: 'withdrawn',
            by: 'slam-mhtr',
            eventId: 'c0000000-0000-4000-8000-000000000002',
            occurredAt: '2026-11-30T08:00:00.000Z',
          },
        ],
        consents: [{ ...TEST_CONSENT, status: 'withdrawn', withdrawnBy: 'c0000000-0000-4000-8000-000000000002' }],
      }),
    );
    const csv = subjectAccessCsv(document);
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(csv);
    expect(rows[0]).toEqual([...SUBJECT_ACCESS_CSV_HEADER]);
    expect(rows.slice(1).map((row) => row[0])).toEqual(['disclosed', 'refused', 'consent-withdrawn', 'consent']);
    for (const row of rows) expect(row).toHaveLength(SUBJECT_ACCESS_CSV_HEADER.length);
    const column = (row: string[], name: (typeof SUBJECT_ACCESS_CSV_HEADER)[number]) =>
      row[SUBJECT_ACCESS_CSV_HEADER.indexOf(name)];
    expect(column(rows[1], 'withheld')).toBe(
      "the person's address (Patient.address); the person's phone numbers and email (Patient.telecom)",
    );
    expect(column(rows[1], 'legal_basis')).toBe('UK GDPR Art. 6(1)(e); Art. 9(2)(h); Criminal Justice Act 2003 s207');
    expect(column(rows[1], 'agreement_version')).toBe('2');
    expect(column(rows[2], 'reason')).toBe(reason);
    expect(column(rows[3], 'from')).toBe('slam-mhtr');
    expect(column(rows[4], 'reason')).toBe(
      'withdrawn as a whole; may receive: nps-london-croydon; period 2026-12-01 to …; withdrawn by event c0000000-0000-4000-8000-000000000002',
    );
  });
});
