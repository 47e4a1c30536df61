import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toAuditEvent, type AuditKind, type AuditOutcome, type AuditRecord } from '@cstr/audit';
import {
  PARTICIPANT_ROLE,
  details,
  eventTypeOf,
  outcomeOf,
  participant,
  type AuditEventResource,
} from '../../console/audit-event';
import {
  agreementDetailWords,
  agreementWords,
  legalBasisWords,
  removedElementWords,
} from '../../console/disclosure-words';
import { ConsoleAssets } from './console-assets';

function record(kind: AuditKind, outcome: AuditOutcome, overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    seq: 7,
    recordedAt: new Date('2026-05-01T10:00:00Z'),
    kind,
    outcome,
    eventId: '0b8f1c2e-7c1a-4f7e-9a51-2f3c4d5e6f70',
    eventType: 'court.hearing.listed',
    sender: 'croydon-mc',
    recipient: 'nps-london-croydon',
    agreement: { id: 'cstr-south-london-court', version: 2 },
    flowId: 'listing-to-probation',
    refusingRule: null,
    legalBasis: { article6: '6(1)(e)', statute: 'Criminal Justice Act 2003 s207' },
    consentReference: null,
    removedElements: ['Patient.address'],
    actor: null,
    personIdentifiers: [],
    reason: null,
    prevHash: 'a'.repeat(64),
    hash: 'b'.repeat(64),
    keyId: 'k1',
    ...overrides,
  };
}

/** The hub's AuditEvent of a record, as the console receives it from `GET /audit`. */
const asReceived = (source: AuditRecord) => JSON.parse(JSON.stringify(toAuditEvent(source))) as AuditEventResource;

describe('the console reads the hub’s AuditEvents by their DICOM codes', () => {
  it.each<[AuditKind, AuditOutcome]>([
    ['decision', 'delivered'],
    ['decision', 'refused'],
    ['refusal-at-ingress', 'refused'],
    ['dead-letter', 'dead-lettered'],
    ['read', 'read'],
    ['kept-by-hub', 'kept'],
    ['operator-action', 'performed'],
  ])('a %s record that ended %s', (kind, outcome) => {
    expect(outcomeOf(asReceived(record(kind, outcome)))).toBe(outcome);
  });

  it('names the sender and the recipient by their participant roles, and reads the details', () => {
    const event = asReceived(record('decision', 'delivered'));
    expect(participant(event, PARTICIPANT_ROLE.source)).toBe('croydon-mc');
    expect(participant(event, PARTICIPANT_ROLE.destination)).toBe('nps-london-croydon');
    expect(eventTypeOf(event)).toBe('court.hearing.listed');
    expect(details(event, 'agreement').map(agreementDetailWords)).toEqual(['cstr-south-london-court v2']);
    expect(details(event, 'flow')).toEqual(['listing-to-probation']);
    expect(details(event, 'removed-element')).toEqual(['Patient.address']);
  });
});

describe('what the hub withheld, in words', () => {
  it.each([
    ['Bundle.entry[8] (Location)', 'probation.psr.requested', "the court's address (Location)"],
    ['Bundle.entry[5] (Location)', 'treatment.appointment.attended', "the clinic's address (Location)"],
    ['Patient.address', 'court.hearing.listed', "the person's address (Patient.address)"],
    [
      'Appointment.participant[2]',
      'treatment.appointment.missed',
      'a participant of the appointment (Appointment.participant)',
    ],
    [
      'Bundle.entry[3] (Observation outcome-score-phq-9)',
      'treatment.progress.reported',
      'the PHQ-9 depression score (Observation)',
    ],
    ['Observation.note', 'ld.screening.completed', 'the free-text notes of an observation (Observation.note)'],
    ['Consent.performer', 'consent.recorded', 'the performer of a consent record (Consent.performer)'],
    [
      'Patient.meta.lastUpdated',
      'gp.registration.checked',
      "the record's metadata: lastUpdated (Patient.meta.lastUpdated)",
    ],
    [
      'ServiceRequest.reasonCode',
      'court.sentence.imposed',
      'part of a referral or requirement (ServiceRequest.reasonCode)',
    ],
    ['Bundle.entry[2] (Specimen)', 'treatment.drug-test.resulted', 'a Specimen resource (Specimen)'],
  ])('%s in %s', (path, eventType, words) => {
    expect(removedElementWords(path, eventType)).toBe(words);
  });

  it('never shows a code after a withheld resource’s type unless it is one of the hub’s own', () => {
    // A SNOMED CT code on a withheld Condition would say what the diagnosis was.
    expect(removedElementWords('Bundle.entry[4] (Condition 35489007)', 'ld.screening.completed')).toBe(
      'a diagnosis or need (Condition)',
    );
  });

  it('keeps a path it cannot read as it is', () => {
    expect(removedElementWords('something else')).toBe('something else');
  });

  it('writes legal bases and agreements as an IG lead reads them', () => {
    expect(
      legalBasisWords({
        article6: '6(1)(e)',
        article9: '9(2)(h)',
        statute: 'Criminal Justice Act 2003 s207',
        other: 'x',
      }),
    ).toBe('UK GDPR Art. 6(1)(e); Art. 9(2)(h); Criminal Justice Act 2003 s207; other x');
    expect(legalBasisWords(null)).toBe('');
    expect(agreementWords({ id: 'cstr-south-london-mhtr', version: 3 })).toBe('cstr-south-london-mhtr v3');
    expect(agreementWords(null)).toBe('');
  });
});

describe('ConsoleAssets', () => {
  function folders(scripts: Record<string, string>): { page: string; compiled: string } {
    const page = mkdtempSync(join(tmpdir(), 'console-page-'));
    const compiled = mkdtempSync(join(tmpdir(), 'console-js-'));
    writeFileSync(join(page, 'index.html'), '<!doctype html>');
    writeFileSync(join(page, 'console.css'), 'body {}');
    for (const [name, text] of Object.entries(scripts)) writeFileSync(join(compiled, name), text);
    return { page, compiled };
  }

  it('serves the page, the style sheet and every compiled script, nothing else', () => {
    const { page, compiled } = folders({ 'console.js': 'export {};', 'api.js': 'export {};', 'notes.txt': 'x' });
    const assets = new ConsoleAssets(page, compiled);
    expect(assets.get('index.html')?.contentType).toMatch(/^text\/html/);
    expect(assets.get('console.css')?.contentType).toMatch(/^text\/css/);
    expect(assets.get('console.js')?.contentType).toMatch(/^text\/javascript/);
    expect(assets.get('api.js')?.body.toString()).toBe('export {};');
    for (const name of ['notes.txt', '../index.html', 'constructor', '__proto__', 'console.ts'])
      expect(assets.get(name)).toBeUndefined();
  });

  it('starts without compiled scripts (the API still works; the console is not served)', () => {
    const { page } = folders({});
    const assets = new ConsoleAssets(page, join(page, 'missing'));
    expect(assets.get('index.html')).toBeDefined();
    expect(assets.get('console.js')).toBeUndefined();
  });
});
