import { readFileSync } from 'node:fs';
import { ADAPTER_APP_BY_PARTNER_KIND, HUB_PARTNER_ID, isPartnerKind, PARTNER_ID_PATTERN } from '@cstr/contracts';
import { PolicyConfigError } from '../config/policy-config.error';
import { YamlSource } from '../config/yaml-source';
import type { Partner, PartnerCoverage } from './partner';

const KNOWN_KEYS = new Set(['id', 'kind', 'name', 'ods', 'probationCode', 'courtCode', 'identifiers', 'coverage']);
const KINDS = Object.keys(ADAPTER_APP_BY_PARTNER_KIND).join(', ');
/** Kinds whose coverage names courts: they are told about hearings at those courts. */
const COURT_COVERING_KINDS: ReadonlySet<string> = new Set(['ld', 'probation']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string' && item.trim() !== '');
}

/** True for a list of `{ system, value }` identifiers with absolute system URIs and non-empty values. */
function isIdentifierList(value: unknown): value is { system: string; value: string }[] {
  return (
    Array.isArray(value) &&
    value.every(
      (item) =>
        isRecord(item) &&
        typeof item.system === 'string' &&
        /^(https?:\/\/|urn:)\S+$/.test(item.system) &&
        typeof item.value === 'string' &&
        item.value.trim() !== '' &&
        Object.keys(item).every((key) => key === 'system' || key === 'value'),
    )
  );
}

/**
 * Parses and validates the text of a partners file (SPEC §2). Returns the partners, or throws a
 * {@link PolicyConfigError} listing every problem with its file and line.
 */
export function parsePartners(text: string, file: string): Partner[] {
  const source = new YamlSource(file, text);
  if (!source.parsed) throw new PolicyConfigError(source.problems);
  const document = source.value();
  if (!isRecord(document) || !Array.isArray(document.partners)) {
    source.report([], 'the file must have a top-level `partners:` list');
    throw new PolicyConfigError(source.problems);
  }
  const entries: unknown[] = document.partners;
  const partners: Partner[] = [];
  const firstIndexOf = new Map<string, number>();

  entries.forEach((entry, index) => {
    const at = ['partners', index];
    if (!isRecord(entry)) return source.report(at, 'a partner must be a mapping with id, kind and name');
    const { id, kind, name, ods, probationCode, courtCode, identifiers, coverage } = entry;
    let valid = true;
    const problem = (path: (string | number)[], reason: string) => {
      valid = false;
      source.report(path, reason);
    };
    if (typeof id !== 'string' || !PARTNER_ID_PATTERN.test(id))
      problem([...at, 'id'], 'id must be lower-case letters and digits joined by single hyphens');
    else if (id === HUB_PARTNER_ID) problem([...at, 'id'], `id ${id} is reserved for the hub itself`);
    else if (firstIndexOf.has(id))
      problem([...at, 'id'], `id ${id} is already used by partners[${firstIndexOf.get(id)}]`);
    else firstIndexOf.set(id, index);
    if (typeof kind !== 'string' || !isPartnerKind(kind)) problem([...at, 'kind'], `kind must be one of ${KINDS}`);
    if (typeof name !== 'string' || name.trim() === '') problem([...at, 'name'], 'name is required');
    if (ods !== undefined && (typeof ods !== 'string' || !/^[A-Z0-9]{3,10}$/.test(ods)))
      problem([...at, 'ods'], 'ods must be an ODS code (3 to 10 capitals or digits)');
    if (
      probationCode !== undefined &&
      (typeof probationCode !== 'string' || !/^[A-Z][A-Z0-9]{2,9}$/.test(probationCode))
    )
      problem([...at, 'probationCode'], 'probationCode must be a probation provider code such as N07 or N07CY');
    if (probationCode !== undefined && kind !== 'probation')
      problem([...at, 'probationCode'], 'only partners of kind probation have a probationCode');
    if (identifiers !== undefined && !isIdentifierList(identifiers))
      problem([...at, 'identifiers'], 'identifiers must be a list of { system, value } with an absolute system URI');
    if (courtCode !== undefined && (typeof courtCode !== 'string' || !/^[A-Z][A-Z0-9]{4,7}$/.test(courtCode)))
      problem([...at, 'courtCode'], 'courtCode must be an HMCTS court code such as B01CY00');
    if (courtCode !== undefined && kind !== 'hmcts')
      problem([...at, 'courtCode'], 'only partners of kind hmcts have a courtCode');
    if (coverage !== undefined) {
      if (!isRecord(coverage)) problem([...at, 'coverage'], 'coverage must be a mapping with courts and/or areas');
      else {
        for (const key of Object.keys(coverage))
          if (key !== 'courts' && key !== 'areas')
            problem([...at, 'coverage', key], `unknown coverage key ${key} (expected courts, areas)`);
        if (coverage.courts !== undefined && !isStringList(coverage.courts))
          problem([...at, 'coverage', 'courts'], 'coverage.courts must be a list of partner ids');
        if (coverage.areas !== undefined && !isStringList(coverage.areas))
          problem([...at, 'coverage', 'areas'], 'coverage.areas must be a list of names');
        if (
          coverage.courts !== undefined &&
          typeof kind === 'string' &&
          isPartnerKind(kind) &&
          !COURT_COVERING_KINDS.has(kind)
        ) {
          problem([...at, 'coverage', 'courts'], `only ld and probation partners cover courts, not ${kind}`);
        }
      }
    }
    if (!valid) return;
    const adapter = Object.fromEntries(Object.entries(entry).filter(([key]) => !KNOWN_KEYS.has(key)));
    const covered: PartnerCoverage | undefined = isRecord(coverage)
      ? {
          courts: (coverage.courts as string[] | undefined) ?? [],
          areas: (coverage.areas as string[] | undefined) ?? [],
        }
      : undefined;
    partners.push({
      id: id as string,
      kind: kind as Partner['kind'],
      name: (name as string).trim(),
      ...(ods !== undefined ? { ods: ods as string } : {}),
      ...(probationCode !== undefined ? { probationCode: probationCode as string } : {}),
      ...(courtCode !== undefined ? { courtCode: courtCode as string } : {}),
      ...(isIdentifierList(identifiers) && identifiers.length > 0
        ? { identifiers: identifiers.map(({ system, value }) => ({ system, value })) }
        : {}),
      ...(covered ? { coverage: covered } : {}),
      ...(Object.keys(adapter).length > 0 ? { adapter } : {}),
    });
  });

  // Courts covered must be court partners: checked once every id is known.
  const byId = new Map(partners.map((partner) => [partner.id, partner]));
  entries.forEach((entry, index) => {
    const courts =
      isRecord(entry) && isRecord(entry.coverage) && isStringList(entry.coverage.courts) ? entry.coverage.courts : [];
    courts.forEach((court, courtIndex) => {
      const target = byId.get(court);
      if (!target)
        source.report(
          ['partners', index, 'coverage', 'courts', courtIndex],
          `court ${court} is not a partner of this file`,
        );
      else if (target.kind !== 'hmcts')
        source.report(
          ['partners', index, 'coverage', 'courts', courtIndex],
          `${court} is a ${target.kind} partner, not a court (hmcts)`,
        );
    });
  });

  if (source.problems.length > 0) throw new PolicyConfigError(source.problems);
  return partners;
}

/** Where `npm start` runs the partner sandbox: the stand-in URLs of `config/partners.yaml` start with it. */
export const LOCAL_SANDBOX_BASE_URL = 'http://127.0.0.1:3200';

/** How to read a partners file. */
export interface PartnersFileOptions {
  /**
   * Where the partner sandbox really is (Docker Compose: `http://partner-sandbox:3200`): every
   * adapter URL of the file under {@link LOCAL_SANDBOX_BASE_URL} is moved under it.
   */
  readonly sandboxBaseUrl?: string;
}

/** Reads, parses and validates a partners file (`config/partners.yaml`); see {@link parsePartners}. */
export function loadPartnersFile(file: string, options: PartnersFileOptions = {}): Partner[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PolicyConfigError([
      {
        file,
        line: 1,
        path: '',
        reason: `cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      },
    ]);
  }
  const partners = parsePartners(text, file);
  return options.sandboxBaseUrl ? rebaseSandboxUrls(partners, options.sandboxBaseUrl) : partners;
}

/**
 * The partners with every adapter URL (a string, or a string of a list) that starts with `from`
 * moved under `to`. Pure; other settings are kept as they are.
 */
export function rebaseSandboxUrls(
  partners: readonly Partner[],
  to: string,
  from: string = LOCAL_SANDBOX_BASE_URL,
): Partner[] {
  const target = to.replace(/\/+$/, '');
  const rebase = (value: unknown): unknown => {
    if (typeof value === 'string')
      return value === from || value.startsWith(`${from}/`) ? target + value.slice(from.length) : value;
    return Array.isArray(value) ? value.map(rebase) : value;
  };
  return partners.map((partner) =>
    partner.adapter
      ? {
          ...partner,
          adapter: Object.fromEntries(Object.entries(partner.adapter).map(([key, value]) => [key, rebase(value)])),
        }
      : partner,
  );
}
