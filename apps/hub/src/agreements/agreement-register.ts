import type { Agreement, LegalBasis, Partner, PartySelector } from '@cstr/policy';

/**
 * One agreement on the public register: what the public may know — its purpose, parties, legal
 * basis and period. Never the allow-lists, the YAML, who proposed or approved it, or notes.
 */
export interface RegisterEntry {
  readonly id: string;
  readonly version: number;
  readonly title: string;
  readonly purposes: readonly string[];
  /** The organisations party to it, by name. */
  readonly parties: readonly string[];
  readonly legalBasis: readonly string[];
  readonly period: { readonly start: string; readonly end: string | null };
}

const BASIS_WORDS: Readonly<Record<keyof LegalBasis, string>> = {
  article6: 'UK GDPR Article',
  article9: 'UK GDPR Article',
  statute: '',
  dpa2018: '',
};

/** The legal basis in words: `UK GDPR Article 6(1)(e)`, the statute as written. */
function basisLines(basis: LegalBasis): string[] {
  return (Object.keys(BASIS_WORDS) as (keyof LegalBasis)[])
    .filter((key) => typeof basis[key] === 'string')
    .map((key) => [BASIS_WORDS[key], basis[key]].filter(Boolean).join(' '));
}

function partiesOf(selector: PartySelector, partners: readonly Partner[]): string[] {
  if ('id' in selector) return partners.filter((partner) => partner.id === selector.id).map((partner) => partner.name);
  if (selector.kind === 'hub') return [];
  return partners.filter((partner) => partner.kind === selector.kind).map((partner) => partner.name);
}

/** True when `agreement` is in force on `today` (`YYYY-MM-DD`): active and within its period. */
export function inForceOn(agreement: Agreement, today: string): boolean {
  return (
    agreement.status === 'active' &&
    agreement.period.start <= today &&
    (agreement.period.end === undefined || today <= agreement.period.end)
  );
}

/** The register of the agreements in force on `today`, ordered by id. */
export function registerEntries(
  agreements: readonly Agreement[],
  partners: readonly Partner[],
  today: string,
): RegisterEntry[] {
  return agreements
    .filter((agreement) => inForceOn(agreement, today))
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((agreement) => ({
      id: agreement.id,
      version: agreement.version,
      title: agreement.title ?? agreement.id,
      purposes: [...new Set(agreement.flows.map((flow) => flow.purpose))],
      parties: [
        ...new Set(
          agreement.flows.flatMap((flow) => [...partiesOf(flow.from, partners), ...partiesOf(flow.to, partners)]),
        ),
      ].sort(),
      legalBasis: basisLines(agreement.legalBasis),
      period: { start: agreement.period.start, end: agreement.period.end ?? null },
    }));
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text made safe for HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

function list(items: readonly string[]): string {
  return `<ul>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`;
}

function entryHtml(entry: RegisterEntry): string {
  return `<article class="agreement" data-agreement="${escapeHtml(entry.id)}">
<h2>${escapeHtml(entry.title)}</h2>
<p>Agreement ${escapeHtml(entry.id)}, version ${entry.version}; in force from ${entry.period.start} to ${entry.period.end ?? 'further notice'}.</p>
<h3>Purpose</h3>${list(entry.purposes)}
<h3>Parties</h3>${list(entry.parties)}
<h3>Legal basis</h3>${list(entry.legalBasis)}
</article>`;
}

/** The register as a page of its own (no script): for anyone, without signing in. */
export function registerHtml(entries: readonly RegisterEntry[], today: string): string {
  return `<!doctype html>
<html lang="en-GB">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Register of information-sharing agreements</title>
<link rel="stylesheet" href="/console/assets/console.css"></head>
<body><main id="main" class="register">
<h1>Register of information-sharing agreements</h1>
<p>The agreements under which the CSTR interoperability hub shares information between courts, probation, Liaison &amp; Diversion, treatment providers and GP registration, in force on ${today}. ${entries.length} agreement${entries.length === 1 ? '' : 's'}.</p>
${entries.map(entryHtml).join('\n')}
</main></body></html>
`;
}
