/**
 * The subject access export (UK GDPR Art. 15): every disclosure and refusal about one person —
 * when, from whom, to whom, which event, under which agreement, flow and legal basis, what was
 * withheld — and the consents recorded and withdrawn. Pure functions: the service reads, these
 * build the document, and the renderers (CSV here, PDF in `subject-access.pdf.ts`) write it.
 *
 * What was withheld is named in words only ("the person's address (Patient.address)"), never by
 * the stored path: a stored path may carry the code of a withheld resource, which would say what
 * was withheld.
 */
// The console's words (the browser loads a copy), so the export says exactly what the timeline shows.
import { agreementWords, legalBasisWords, removedElementWords, type AuditRecord } from '@cstr/audit';
import { identifierKindForSystem } from '@cstr/identity';
import type { ConsentRecord } from '@cstr/policy';

/** The formats of the export. */
export const SUBJECT_ACCESS_FORMATS = ['pdf', 'csv', 'json'] as const;
/** One of {@link SUBJECT_ACCESS_FORMATS}. */
export type SubjectAccessFormat = (typeof SUBJECT_ACCESS_FORMATS)[number];

/** The role an export is made under (the only one allowed to make it). */
export const SUBJECT_ACCESS_ROLE = 'ig-auditor';

/** How a decision about the person ended. */
export type DisclosureOutcome = 'disclosed' | 'refused' | 'refused-on-arrival';

/** One disclosure or refusal of an event about the person. */
export interface SubjectAccessDisclosure {
  readonly at: string;
  readonly outcome: DisclosureOutcome;
  /** The partner that sent the event. */
  readonly sender: string | null;
  /** The partner it was disclosed to, or refused for (none for a refusal on arrival). */
  readonly recipient: string | null;
  readonly eventType: string | null;
  readonly eventId: string | null;
  readonly agreement: { readonly id: string; readonly version: number } | null;
  readonly flow: string | null;
  /** The legal basis in words ("UK GDPR Art. 6(1)(e); Art. 9(2)(h); …"). */
  readonly legalBasis: string;
  /** What the hub removed from the copy it delivered, in words. */
  readonly withheld: readonly string[];
  /** The consent relied on or withdrawn. */
  readonly consent: string | null;
  /** The rule that refused it. */
  readonly rule: string | null;
  /** The purpose of the flow (a disclosure) or why it was refused. */
  readonly reason: string | null;
}

/** A consent event about the person the hub accepted. */
export interface SubjectAccessConsentEvent {
  readonly at: string;
  readonly action: 'recorded' | 'withdrawn';
  /** The partner that sent it (the discloser the consent is credited to). */
  readonly by: string;
  readonly eventId: string;
  readonly occurredAt: string | null;
}

/** A consent as the hub holds it now: who may disclose under it, to whom, and what was withdrawn. */
export interface SubjectAccessConsent {
  readonly reference: string;
  readonly by: string | null;
  readonly status: 'active' | 'withdrawn';
  readonly recipients: readonly string[];
  readonly withdrawnRecipients: readonly string[];
  readonly period: { readonly start: string | null; readonly end: string | null } | null;
  /** The event that withdrew it, or some of its recipients. */
  readonly withdrawnBy: string | null;
  /** The flows (and recipients) that disclosed relying on it. */
  readonly reliedOnBy: readonly string[];
}

/** An identifier of the person with the name of its kind. */
export interface SubjectAccessIdentifier {
  readonly label: string;
  readonly system: string;
  readonly value: string;
}

/** The whole export, as the JSON format returns it. */
export interface SubjectAccessDocument {
  readonly title: string;
  readonly person: { readonly hubPersonId: string; readonly identifiers: readonly SubjectAccessIdentifier[] };
  /** From the oldest record listed (null when there is none) to the moment of the export. */
  readonly period: { readonly from: string | null; readonly to: string };
  readonly generatedAt: string;
  readonly generatedBy: { readonly user: string; readonly role: string };
  readonly disclosures: readonly SubjectAccessDisclosure[];
  readonly consentEvents: readonly SubjectAccessConsentEvent[];
  readonly consents: readonly SubjectAccessConsent[];
  /** True when the person has more audit records than one export lists (the oldest are listed). */
  readonly truncated: boolean;
}

/** What the service read, for {@link subjectAccessDocument}. */
export interface SubjectAccessSources {
  readonly hubPersonId: string;
  readonly identifiers: readonly { readonly system: string; readonly value: string }[];
  /** Decision and refusal-at-ingress records about the person, any order. */
  readonly records: readonly AuditRecord[];
  readonly consentEvents: readonly SubjectAccessConsentEvent[];
  readonly consents: readonly ConsentRecord[];
  readonly generatedAt: Date;
  readonly generatedBy: string;
  readonly truncated: boolean;
}

/** The document's title. */
export const SUBJECT_ACCESS_TITLE = 'Subject access: disclosures and refusals about one person';

const IDENTIFIER_LABELS: Readonly<Record<string, string>> = {
  'nhs-number': 'NHS number',
  crn: 'Probation case reference (CRN)',
  'pnc-id': 'Police National Computer id (PNC ID)',
  'cro-number': 'Criminal Records Office number',
  'common-platform-defendant-id': 'Court defendant id (Common Platform)',
};

/** Builds the export from what the service read. */
export function subjectAccessDocument(sources: SubjectAccessSources): SubjectAccessDocument {
  const disclosures = [...sources.records].sort((a, b) => a.seq - b.seq).flatMap(disclosureOf);
  const consentEvents = [...sources.consentEvents].sort((a, b) => a.at.localeCompare(b.at));
  const times = [...disclosures.map((row) => row.at), ...consentEvents.map((row) => row.at)].sort();
  return {
    title: SUBJECT_ACCESS_TITLE,
    person: { hubPersonId: sources.hubPersonId, identifiers: nhsNumberFirst(sources.identifiers.map(labelled)) },
    period: { from: times[0] ?? null, to: sources.generatedAt.toISOString() },
    generatedAt: sources.generatedAt.toISOString(),
    generatedBy: { user: sources.generatedBy, role: SUBJECT_ACCESS_ROLE },
    disclosures,
    consentEvents,
    consents: sources.consents.map((consent) => consentOf(consent, disclosures)),
    truncated: sources.truncated,
  };
}

/** The identifiers in the order of {@link IDENTIFIER_LABELS} (the NHS number first), others after. */
function nhsNumberFirst(identifiers: SubjectAccessIdentifier[]): SubjectAccessIdentifier[] {
  const labels = Object.values(IDENTIFIER_LABELS);
  const rank = (identifier: SubjectAccessIdentifier) =>
    labels.includes(identifier.label) ? labels.indexOf(identifier.label) : labels.length;
  return [...identifiers].sort((a, b) => rank(a) - rank(b));
}

function labelled(identifier: { system: string; value: string }): SubjectAccessIdentifier {
  const kind = identifierKindForSystem(identifier.system);
  return { label: (kind && IDENTIFIER_LABELS[kind]) ?? identifier.system, ...identifier };
}

function outcomeOf(record: AuditRecord): DisclosureOutcome | undefined {
  if (record.kind === 'refusal-at-ingress') return 'refused-on-arrival';
  if (record.kind !== 'decision') return undefined;
  return record.outcome === 'delivered' ? 'disclosed' : 'refused';
}

/** A decision record as a row; other kinds are not disclosures or refusals. */
function disclosureOf(record: AuditRecord): SubjectAccessDisclosure[] {
  const outcome = outcomeOf(record);
  if (!outcome) return [];
  return [
    {
      at: record.recordedAt.toISOString(),
      outcome,
      sender: record.sender,
      recipient: outcome === 'refused-on-arrival' ? null : record.recipient,
      eventType: record.eventType,
      eventId: record.eventId,
      agreement: record.agreement ? { id: record.agreement.id, version: record.agreement.version } : null,
      flow: record.flowId,
      legalBasis: legalBasisWords(record.legalBasis),
      withheld:
        outcome === 'disclosed'
          ? record.removedElements.map((path) => removedElementWords(path, record.eventType ?? ''))
          : [],
      consent: record.consentReference,
      rule: record.refusingRule,
      // A refusal on arrival's reason quotes the partner's message: its rule says why.
      reason: outcome === 'refused-on-arrival' ? null : record.reason,
    },
  ];
}

function consentOf(consent: ConsentRecord, disclosures: readonly SubjectAccessDisclosure[]): SubjectAccessConsent {
  const reliedOnBy = disclosures
    .filter((row) => row.outcome === 'disclosed' && row.consent === consent.ref)
    .map((row) => `${row.flow ?? 'a flow'} (to ${row.recipient ?? 'nobody'})`);
  return {
    reference: consent.ref,
    by: consent.discloser ?? null,
    status: consent.status,
    recipients: consent.recipients,
    withdrawnRecipients: consent.withdrawnRecipients,
    period: consent.period ? { start: consent.period.start ?? null, end: consent.period.end ?? null } : null,
    withdrawnBy: consent.withdrawnBy ?? null,
    reliedOnBy: [...new Set(reliedOnBy)],
  };
}

/** "id vN / flow", as the timeline shows it. */
export function agreementAndFlow(row: SubjectAccessDisclosure): string {
  return [agreementWords(row.agreement), row.flow ?? ''].filter(Boolean).join(' / ');
}

/** Words of each outcome. */
export const OUTCOME_WORDS: Readonly<Record<DisclosureOutcome, string>> = {
  disclosed: 'disclosed',
  refused: 'refused',
  'refused-on-arrival': 'refused on arrival',
};

/** A consent's scope in one line: status, who may receive, what was withdrawn, the period. */
export function consentScopeWords(consent: SubjectAccessConsent): string {
  return [
    consent.status === 'withdrawn' ? 'withdrawn as a whole' : 'active',
    consent.recipients.length > 0 ? `may receive: ${consent.recipients.join(', ')}` : 'no recipient named',
    consent.withdrawnRecipients.length > 0 ? `withdrawn for: ${consent.withdrawnRecipients.join(', ')}` : '',
    consent.period ? `period ${consent.period.start ?? '…'} to ${consent.period.end ?? '…'}` : '',
    consent.withdrawnBy ? `withdrawn by event ${consent.withdrawnBy}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

/** The CSV's columns. */
export const SUBJECT_ACCESS_CSV_HEADER = [
  'record',
  'when',
  'from',
  'to',
  'event_type',
  'event_id',
  'agreement',
  'agreement_version',
  'flow',
  'legal_basis',
  'withheld',
  'consent',
  'rule',
  'reason',
] as const;

type CsvRow = Readonly<Partial<Record<(typeof SUBJECT_ACCESS_CSV_HEADER)[number], string | number | null>>>;

/**
 * The export as CSV (RFC 4180: CRLF lines, a header row, fields quoted when they hold a comma,
 * quote or line break): one row per disclosure or refusal (`record` disclosed, refused,
 * refused-on-arrival), per consent event (consent-recorded, consent-withdrawn) and per consent
 * held (consent: `from` the discloser, `to` who may receive, `flow` the flows that relied on it).
 */
export function subjectAccessCsv(document: SubjectAccessDocument): string {
  const rows: CsvRow[] = [
    ...document.disclosures.map((row): CsvRow => ({
      record: row.outcome,
      when: row.at,
      from: row.sender,
      to: row.recipient,
      event_type: row.eventType,
      event_id: row.eventId,
      agreement: row.agreement?.id,
      agreement_version: row.agreement?.version,
      flow: row.flow,
      legal_basis: row.legalBasis,
      withheld: row.withheld.join('; '),
      consent: row.consent,
      rule: row.rule,
      reason: row.reason,
    })),
    ...document.consentEvents.map((event): CsvRow => ({
      record: `consent-${event.action}`,
      when: event.at,
      from: event.by,
      event_type: `consent.${event.action}`,
      event_id: event.eventId,
    })),
    ...document.consents.map((consent): CsvRow => ({
      record: 'consent',
      when: consent.period?.start ?? null,
      from: consent.by,
      to: consent.recipients.join('; '),
      flow: consent.reliedOnBy.join('; '),
      consent: consent.reference,
      reason: consentScopeWords(consent),
    })),
  ];
  const lines = [
    [...SUBJECT_ACCESS_CSV_HEADER],
    ...rows.map((row) => SUBJECT_ACCESS_CSV_HEADER.map((column) => row[column] ?? '')),
  ];
  return `${lines.map((cells) => cells.map((value) => csvField(String(value))).join(',')).join('\r\n')}\r\n`;
}

/**
 * One CSV field: quoted (inner quotes doubled) when it holds a comma, quote or line break. A
 * field a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a leading
 * apostrophe, since IG leads open exports in spreadsheets and the texts come from partners.
 */
export function csvField(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
