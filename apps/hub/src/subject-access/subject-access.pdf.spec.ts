import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { subjectAccessDocument, SUBJECT_ACCESS_TITLE } from './subject-access.document';
import { counted, pdfText, subjectAccessPdf, ukTime } from './subject-access.pdf';
import { auditRecord, TEST_CONSENT, TEST_IDENTIFIERS } from './subject-access-test-records';

/**
 * The text of a PDF, page by page, as poppler's pdftotext reads it (scripts/ensure-deps.sh
 * installs it), in the order it was written (`-raw`: each cell's lines together), spaces collapsed.
 */
function pdfPages(pdf: Buffer): string[] {
  const folder = mkdtempSync(join(tmpdir(), 'subject-access-pdf-'));
  try {
    writeFileSync(join(folder, 'export.pdf'), pdf);
    const text = execFileSync('pdftotext', ['-raw', join(folder, 'export.pdf'), '-'], { encoding: 'utf8' });
    return text
      .split('\f')
      .map((page) => page.replace(/\s+/g, ' ').trim())
      .filter(Boolean);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

describe('the subject access PDF', () => {
  it('reads as a document: title, person, period, who made it, the listing and "Page n of m" on every page', async () => {
    const records = Array.from({ length: 120 }, (_, index) =>
      auditRecord(index + 1, {
        recipient: index % 2 === 0 ? 'slam-mhtr' : 'nps-london-croydon',
        removedElements: index % 3 === 0 ? ['Patient.address', 'Bundle.entry[4] (Condition 35489007)'] : [],
      }),
    );
    const document = subjectAccessDocument({
      hubPersonId: '6f1c2a4e-0000-4000-8000-000000000001',
      identifiers: TEST_IDENTIFIERS,
      records,
      consentEvents: [
        {
          at: '2026-12-01T09:00:00.000Z',
          action: 'recorded',
          by: 'slam-mhtr',
          eventId: 'c0000000-0000-4000-8000-000000000001',
          occurredAt: null,
        },
      ],
      consents: [TEST_CONSENT],
      generatedAt: new Date('2026-12-06T13:00:00Z'),
      generatedBy: 'ig-lead',
      truncated: false,
    });
    const pdf = await subjectAccessPdf(document);
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const pages = pdfPages(pdf);
    expect(pages.length).toBeGreaterThan(2);
    pages.forEach((page, index) => expect(page).toContain(`Page ${index + 1} of ${pages.length}`));
    const first = pages[0];
    expect(first).toContain(SUBJECT_ACCESS_TITLE);
    expect(first).toContain('NHS number: 9990000123');
    expect(first).toContain('Probation case reference (CRN): X412563');
    expect(first).toContain(
      `Period covered: ${ukTime('2026-12-01T09:00:00.000Z')} to ${ukTime('2026-12-06T13:00:00Z')}`,
    );
    expect(first).toContain('by ig-lead (role ig-auditor)');
    expect(first).toContain('120 disclosures, 0 refusals');
    // The column heads are repeated on every page of the listing.
    for (const page of pages.slice(0, -1)) expect(page).toContain('Withheld, or why refused');
    const all = pages.join('\n');
    expect(all).toContain("the person's address (Patient.address)");
    expect(all).toContain('a diagnosis or need (Condition)');
    expect(all).not.toContain('35489007');
    expect(all).toContain('Consents recorded and withdrawn');
    expect(all).toContain('no disclosure relied on it');
  });

  it('counts in words: one of a thing, or several', () => {
    expect([0, 1, 2].map((count) => counted(count, 'refusal'))).toEqual(['0 refusals', '1 refusal', '2 refusals']);
  });

  it('writes typographic characters as their plain forms and nothing the standard fonts cannot show', () => {
    expect(pdfText('the person’s “GP” – ok… → next')).toBe('the person\'s "GP" - ok... -> next');
    expect(pdfText('Łódź 😀')).toBe('?ód? ?');
  });
});
