/**
 * The subject access export as a PDF a person can read (pdfkit, A4 landscape, the standard
 * Helvetica fonts): the title, who it is about, the period, when and by whom it was made, then
 * tables of the disclosures and refusals, the consent events and the consents held, with the
 * column heads repeated on every page and "Page n of m" at the foot of each.
 *
 * pdfkit (with fontkit and its font tables, several megabytes) is loaded on the first export, not
 * at boot: exports are rare.
 */
import type PDFDocumentClass from 'pdfkit';
import {
  agreementAndFlow,
  consentScopeWords,
  OUTCOME_WORDS,
  type SubjectAccessDisclosure,
  type SubjectAccessDocument,
} from './subject-access.document';

type Pdf = PDFKit.PDFDocument;

/** A column of a table: its head and width in points. */
interface Column {
  readonly head: string;
  readonly width: number;
}

const MARGIN = 36;
const FOOTER_HEIGHT = 18;
const CELL_PADDING = 3;
const TABLE_FONT_SIZE = 7.5;
/** A cell longer than this is cut, so that one row always fits on a page. */
const MAX_CELL_TEXT = 700;

const DISCLOSURE_COLUMNS: readonly Column[] = [
  { head: 'When (UK time)', width: 74 },
  { head: 'Outcome', width: 52 },
  { head: 'From (sender)', width: 78 },
  { head: 'To (recipient)', width: 78 },
  { head: 'Event (type and id)', width: 150 },
  { head: 'Agreement / flow', width: 112 },
  { head: 'Legal basis', width: 96 },
  { head: 'Withheld, or why refused', width: 130 },
];
const CONSENT_EVENT_COLUMNS: readonly Column[] = [
  { head: 'When (UK time)', width: 110 },
  { head: 'Consent', width: 90 },
  { head: 'By (partner)', width: 160 },
  { head: 'Event id', width: 230 },
  { head: 'Given or withdrawn on', width: 179 },
];
const CONSENT_COLUMNS: readonly Column[] = [
  { head: 'Consent', width: 200 },
  { head: 'Recorded by', width: 110 },
  { head: 'Scope', width: 270 },
  { head: 'Relied on by (flow, recipient)', width: 189 },
];

/** A time of the hub in UK time, as the console shows it. */
export function ukTime(iso: string | null | undefined): string {
  return iso ? new Date(iso).toLocaleString('en-GB', { timeZone: 'Europe/London' }) : '';
}

const TYPOGRAPHY: readonly (readonly [RegExp, string])[] = [
  [/[\u2018\u2019\u201B\u2032]/g, "'"],
  [/[\u201C\u201D\u2033]/g, '"'],
  [/[\u2010-\u2015\u2212]/g, '-'],
  [/\u2026/g, '...'],
  [/\u2192/g, '->'],
  [/[\u00A0\u2000-\u200A\u202F]/g, ' '],
];

/**
 * Text the standard PDF fonts can show (WinAnsi): typographic quotes, dashes and arrows become
 * their plain forms; anything else outside Latin-1 becomes "?" rather than garbage.
 */
export function pdfText(text: string): string {
  const plain = TYPOGRAPHY.reduce((value, [pattern, replacement]) => value.replace(pattern, replacement), text);
  const shown = plain.replace(/[^\n\x20-\x7E\xA1-\xFF]/gu, '?');
  return shown.length > MAX_CELL_TEXT ? `${shown.slice(0, MAX_CELL_TEXT - 3)}...` : shown;
}

/** pdfkit, loaded on first use. */
let pdfkit: Promise<typeof PDFDocumentClass> | undefined;

/** Renders the export as a PDF. */
export async function subjectAccessPdf(document: SubjectAccessDocument): Promise<Buffer> {
  pdfkit ??= import('pdfkit').then((module) => module.default);
  const PDFDocument = await pdfkit;
  const doc = new PDFDocument({
    size: 'A4',
    layout: 'landscape',
    margin: MARGIN,
    bufferPages: true,
    info: {
      Title: document.title,
      Subject: 'UK GDPR Article 15: recipients of personal data',
      Author: 'CSTR interoperability hub',
      CreationDate: new Date(document.generatedAt),
    },
  });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  writeHeading(doc, document);
  writeDisclosures(doc, document);
  writeConsents(doc, document);
  writePageNumbers(doc);
  doc.end();
  return done;
}

function writeHeading(doc: Pdf, document: SubjectAccessDocument): void {
  doc.font('Helvetica-Bold').fontSize(16).text(pdfText(document.title));
  doc.moveDown(0.5);
  doc.font('Helvetica').fontSize(10);
  const lines = [
    ...document.person.identifiers.map((identifier) => `${identifier.label}: ${identifier.value}`),
    `Hub reference: ${document.person.hubPersonId}`,
    'The hub keeps no name: it knows the person by the identifiers above.',
    `Period covered: ${document.period.from ? ukTime(document.period.from) : 'no records'} to ${ukTime(document.period.to)} (UK time)`,
    `Generated ${ukTime(document.generatedAt)} (UK time) by ${document.generatedBy.user} (role ${document.generatedBy.role})`,
  ];
  for (const line of lines) doc.text(pdfText(line));
  doc.moveDown(0.5);
  const counts = countOutcomes(document.disclosures);
  doc.text(
    pdfText(
      `${counted(counts.disclosed, 'disclosure')}, ${counted(counts.refused, 'refusal')}, ` +
        `${counted(document.consentEvents.length, 'consent event')}, ${counted(document.consents.length, 'consent')} held. ` +
        'Each line names when, from whom, to whom, which event, under which agreement, flow and legal basis. ' +
        '"Withheld" names what the hub removed from the copy it delivered, never its content.',
    ),
    { width: contentWidth(doc) },
  );
  if (document.truncated)
    doc
      .font('Helvetica-Bold')
      .text('This person has more audit records than one export lists: the oldest are listed.')
      .font('Helvetica');
  doc.moveDown(0.8);
}

/** "1 refusal", "2 refusals". */
export function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function countOutcomes(rows: readonly SubjectAccessDisclosure[]): { disclosed: number; refused: number } {
  const disclosed = rows.filter((row) => row.outcome === 'disclosed').length;
  return { disclosed, refused: rows.length - disclosed };
}

function writeDisclosures(doc: Pdf, document: SubjectAccessDocument): void {
  section(doc, 'Disclosures and refusals');
  table(
    doc,
    DISCLOSURE_COLUMNS,
    document.disclosures.map((row) => [
      ukTime(row.at),
      OUTCOME_WORDS[row.outcome],
      row.sender ?? '',
      row.recipient ?? '(none: refused on arrival)',
      [row.eventType ?? '', row.eventId ?? ''].filter(Boolean).join('\n'),
      agreementAndFlow(row) || (row.rule ? `no flow (rule ${row.rule})` : ''),
      row.legalBasis,
      withheldOrWhy(row),
    ]),
    'The hub holds no disclosure or refusal about this person.',
  );
}

function withheldOrWhy(row: SubjectAccessDisclosure): string {
  if (row.outcome === 'disclosed') return row.withheld.length > 0 ? row.withheld.join('\n') : 'nothing withheld';
  return [`Rule: ${row.rule ?? 'unknown'}.`, row.reason ?? ''].filter(Boolean).join(' ');
}

function writeConsents(doc: Pdf, document: SubjectAccessDocument): void {
  section(doc, 'Consents recorded and withdrawn');
  table(
    doc,
    CONSENT_EVENT_COLUMNS,
    document.consentEvents.map((event) => [
      ukTime(event.at),
      event.action,
      event.by,
      event.eventId,
      ukTime(event.occurredAt),
    ]),
    'The hub received no consent.recorded or consent.withdrawn event about this person; consents that came with other events (an L&D screening) are listed below.',
  );
  section(doc, 'Consents as the hub holds them');
  table(
    doc,
    CONSENT_COLUMNS,
    document.consents.map((consent) => [
      consent.reference,
      consent.by ?? '',
      consentScopeWords(consent),
      consent.reliedOnBy.join('\n') || 'no disclosure relied on it',
    ]),
    'The hub holds no consent of this person.',
  );
}

function contentWidth(doc: Pdf): number {
  return doc.page.width - 2 * MARGIN;
}

function bottom(doc: Pdf): number {
  return doc.page.height - MARGIN - FOOTER_HEIGHT;
}

function section(doc: Pdf, heading: string): void {
  if (doc.y + 60 > bottom(doc)) doc.addPage();
  doc.font('Helvetica-Bold').fontSize(12).text(heading, MARGIN, doc.y);
  doc.moveDown(0.3);
}

function rowHeight(doc: Pdf, columns: readonly Column[], cells: readonly string[]): number {
  const heights = cells.map((text, index) =>
    doc.heightOfString(pdfText(text) || ' ', { width: columns[index].width - 2 * CELL_PADDING }),
  );
  return Math.max(...heights) + 2 * CELL_PADDING;
}

function drawRow(doc: Pdf, columns: readonly Column[], cells: readonly string[], height: number): void {
  const top = doc.y;
  let x = MARGIN;
  cells.forEach((text, index) => {
    doc.text(pdfText(text), x + CELL_PADDING, top + CELL_PADDING, { width: columns[index].width - 2 * CELL_PADDING });
    x += columns[index].width;
  });
  const right = MARGIN + columns.reduce((sum, column) => sum + column.width, 0);
  doc
    .moveTo(MARGIN, top + height)
    .lineTo(right, top + height)
    .lineWidth(0.4)
    .strokeColor('#999999')
    .stroke();
  doc.x = MARGIN;
  doc.y = top + height;
}

function drawHead(doc: Pdf, columns: readonly Column[]): void {
  doc.font('Helvetica-Bold').fontSize(TABLE_FONT_SIZE);
  const heads = columns.map((column) => column.head);
  drawRow(doc, columns, heads, rowHeight(doc, columns, heads));
  doc.font('Helvetica');
}

/** A table whose rows never split across pages; the head is repeated on every page. */
function table(doc: Pdf, columns: readonly Column[], rows: readonly (readonly string[])[], empty: string): void {
  if (rows.length === 0) {
    doc.font('Helvetica-Oblique').fontSize(9).text(empty, MARGIN, doc.y).font('Helvetica');
    doc.moveDown(0.8);
    return;
  }
  drawHead(doc, columns);
  for (const cells of rows) {
    doc.font('Helvetica').fontSize(TABLE_FONT_SIZE);
    const height = rowHeight(doc, columns, cells);
    if (doc.y + height > bottom(doc)) {
      doc.addPage();
      drawHead(doc, columns);
      doc.font('Helvetica').fontSize(TABLE_FONT_SIZE);
    }
    drawRow(doc, columns, cells, height);
  }
  doc.moveDown(0.8);
}

function writePageNumbers(doc: Pdf): void {
  const { start, count } = doc.bufferedPageRange();
  for (let index = start; index < start + count; index++) {
    doc.switchToPage(index);
    // Below the bottom margin: pdfkit would otherwise start a new page for the footer.
    const margin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font('Helvetica')
      .fontSize(8)
      .fillColor('#333333')
      .text(`Page ${index - start + 1} of ${count}`, MARGIN, doc.page.height - MARGIN, {
        width: contentWidth(doc),
        align: 'center',
        lineBreak: false,
      });
    doc.page.margins.bottom = margin;
  }
}
