import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EVENT_CATALOGUE,
  isEventType,
  isPartnerKind,
  PARTNER_ID_PATTERN,
  type EventParty,
  type EventType,
} from '@cstr/contracts';
import { evalFhirPath, parseFhirPath } from '@medplum/core';
import { PolicyConfigError, type PolicyConfigProblem } from '../config/policy-config.error';
import { YamlSource, type YamlPath } from '../config/yaml-source';
import type { Partner } from '../partners/partner';
import {
  AGREEMENT_STATUSES,
  type Agreement,
  type AgreementStatus,
  type Flow,
  type LegalBasis,
  type PartySelector,
  type ShareRule,
} from './agreement';
import { isElementOf, isResourceTypeName } from './fhir-elements';
import { IDENTIFIER_SYSTEMS, identifierKindForSystem, type IdentifierKind } from '@cstr/identity';

const AGREEMENT_KEYS = new Set(['id', 'version', 'status', 'title', 'description', 'period', 'legalBasis', 'flows']);
const FLOW_KEYS = new Set(['id', 'events', 'from', 'to', 'purpose', 'consent', 'share', 'identifiers', 'description']);
const LEGAL_BASIS_KEYS = new Set(['article6', 'article9', 'statute', 'dpa2018']);
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonBlank(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function isDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const match = DATE.exec(value);
  if (!match) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/**
 * Why a FHIRPath expression is unusable, or undefined when it parses and evaluates on an empty
 * resource. The parser stops quietly at a stray token, so brackets and quotes are counted, and
 * the parse is compared with the text.
 */
export function fhirPathProblem(expression: string, resourceType: string): string | undefined {
  let depth = 0;
  let quoted = false;
  for (const char of expression) {
    if (char === "'") quoted = !quoted;
    else if (!quoted && char === '(') depth++;
    else if (!quoted && char === ')' && --depth < 0) return 'a closing bracket has no opening one';
  }
  if (quoted) return 'a quoted string is not closed';
  if (depth !== 0) return 'a bracket is not closed';
  try {
    const atom = parseFhirPath(expression);
    // The parser returns what it read so far: if its rendering (brackets and spaces aside) is a
    // strict prefix of the text, the rest was never read.
    const read = squeeze(atom.toString());
    const written = squeeze(expression);
    if (read !== written && written.startsWith(read)) return `unexpected text after "${atom.toString()}"`;
    evalFhirPath(atom, { resourceType });
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

/** The text without spaces and round brackets, for comparing an expression with its parse. */
function squeeze(text: string): string {
  return text.replace(/[\s()]/g, '');
}

/** Checks one agreement document against SPEC §5 and the partners; reports into `source`. */
class AgreementChecker {
  private readonly partnersById: ReadonlyMap<string, Partner>;

  constructor(
    private readonly source: YamlSource,
    partners: readonly Partner[],
  ) {
    this.partnersById = new Map(partners.map((partner) => [partner.id, partner]));
  }

  private report(path: YamlPath, reason: string): void {
    this.source.report(path, reason);
  }

  private unknownKeys(value: Record<string, unknown>, known: ReadonlySet<string>, path: YamlPath, what: string): void {
    for (const key of Object.keys(value))
      if (!known.has(key))
        this.report([...path, key], `unknown ${what} key ${key} (expected one of ${[...known].join(', ')})`);
  }

  check(document: unknown): Agreement | undefined {
    const before = this.source.problems.length;
    if (!isRecord(document)) {
      this.report([], 'an agreement must be a mapping with id, version, status, period, legalBasis and flows');
      return undefined;
    }
    this.unknownKeys(document, AGREEMENT_KEYS, [], 'agreement');
    const { id, version, status, title, period, legalBasis, flows } = document;
    if (typeof id !== 'string' || !PARTNER_ID_PATTERN.test(id))
      this.report(['id'], 'id must be lower-case letters and digits joined by single hyphens');
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
      this.report(['version'], 'version must be a whole number from 1');
    if (typeof status !== 'string' || !(AGREEMENT_STATUSES as readonly string[]).includes(status))
      this.report(['status'], `status must be one of ${AGREEMENT_STATUSES.join(', ')}`);
    if (title !== undefined && !isNonBlank(title)) this.report(['title'], 'title must be text');
    this.checkPeriod(period);
    this.checkLegalBasis(legalBasis);
    const checkedFlows = this.checkFlows(flows);
    if (this.source.problems.length > before) return undefined;
    return {
      id: id as string,
      version: version as number,
      status: status as AgreementStatus,
      ...(title !== undefined ? { title: title as string } : {}),
      period: period as Agreement['period'],
      legalBasis: legalBasis as unknown as LegalBasis,
      flows: checkedFlows,
      file: this.source.file,
    };
  }

  private checkPeriod(period: unknown): void {
    if (!isRecord(period)) return this.report(['period'], 'period is required: { start: YYYY-MM-DD, end: YYYY-MM-DD }');
    this.unknownKeys(period, new Set(['start', 'end']), ['period'], 'period');
    if (!isDate(period.start)) this.report(['period', 'start'], 'period.start must be a date YYYY-MM-DD');
    if (period.end !== undefined && !isDate(period.end))
      this.report(['period', 'end'], 'period.end must be a date YYYY-MM-DD');
    else if (isDate(period.start) && isDate(period.end) && period.end < period.start)
      this.report(['period', 'end'], `period.end ${period.end} is before period.start ${period.start}`);
  }

  private checkLegalBasis(legalBasis: unknown): void {
    if (!isRecord(legalBasis)) return this.report(['legalBasis'], 'legalBasis is required, with at least article6');
    this.unknownKeys(legalBasis, LEGAL_BASIS_KEYS, ['legalBasis'], 'legalBasis');
    if (typeof legalBasis.article6 !== 'string' || !/^6\(1\)\([a-f]\)$/.test(legalBasis.article6)) {
      this.report(['legalBasis', 'article6'], 'article6 must name a UK GDPR Article 6 condition, e.g. "6(1)(e)"');
    }
    if (
      legalBasis.article9 !== undefined &&
      (typeof legalBasis.article9 !== 'string' || !/^9\(2\)\([a-j]\)$/.test(legalBasis.article9))
    ) {
      this.report(['legalBasis', 'article9'], 'article9 must name a UK GDPR Article 9 condition, e.g. "9(2)(h)"');
    }
    for (const key of ['statute', 'dpa2018'])
      if (legalBasis[key] !== undefined && !isNonBlank(legalBasis[key]))
        this.report(['legalBasis', key], `${key} must be text`);
  }

  private checkFlows(flows: unknown): Flow[] {
    if (!Array.isArray(flows) || flows.length === 0) {
      this.report(['flows'], 'flows must be a non-empty list');
      return [];
    }
    const seen = new Map<string, number>();
    const checked: Flow[] = [];
    flows.forEach((flow: unknown, index) => {
      const at = ['flows', index];
      if (!isRecord(flow))
        return this.report(at, 'a flow must be a mapping with id, events, from, to, purpose, consent and share');
      this.unknownKeys(flow, FLOW_KEYS, at, 'flow');
      if (typeof flow.id !== 'string' || !PARTNER_ID_PATTERN.test(flow.id))
        this.report([...at, 'id'], 'flow id must be lower-case letters and digits joined by single hyphens');
      else if (seen.has(flow.id))
        this.report([...at, 'id'], `flow id ${flow.id} is already used by flows[${seen.get(flow.id)}]`);
      else seen.set(flow.id, index);
      const events = this.checkEvents(flow.events, [...at, 'events']);
      const from = this.checkSelector(flow.from, [...at, 'from'], 'from', events);
      const to = this.checkSelector(flow.to, [...at, 'to'], 'to', events);
      if (from && to && 'id' in from && 'id' in to && from.id === to.id)
        this.report([...at, 'to'], 'a flow cannot send a partner its own events');
      if (!isNonBlank(flow.purpose))
        this.report([...at, 'purpose'], 'purpose is required: why this information is shared');
      if (flow.consent !== 'required' && flow.consent !== 'not-required')
        this.report([...at, 'consent'], 'consent must be required or not-required');
      const share = this.checkShare(flow.share, [...at, 'share']);
      const identifiers = this.checkIdentifierSystems(flow.identifiers, [...at, 'identifiers']);
      if (events && from && to && share && identifiers !== null) {
        checked.push({
          id: flow.id as string,
          events,
          from,
          to,
          purpose: flow.purpose as string,
          consent: flow.consent as Flow['consent'],
          share,
          ...(identifiers ? { identifiers } : {}),
        });
      }
    });
    return checked;
  }

  /**
   * A flow's `identifiers`: the person identifier systems the hub may add to the delivered Patient,
   * by kind (`nhs-number`, `crn`, `pnc-id`, `cro-number`, `common-platform-defendant-id`) or by
   * system URI. Undefined when absent; null when wrong (reported).
   */
  private checkIdentifierSystems(identifiers: unknown, at: YamlPath): string[] | undefined | null {
    if (identifiers === undefined) return undefined;
    const kinds = Object.keys(IDENTIFIER_SYSTEMS).join(', ');
    if (!Array.isArray(identifiers)) {
      this.report(at, `identifiers must be a list of identifier kinds (${kinds})`);
      return null;
    }
    const systems: string[] = [];
    let ok = true;
    identifiers.forEach((item: unknown, index) => {
      const system =
        typeof item === 'string'
          ? Object.hasOwn(IDENTIFIER_SYSTEMS, item)
            ? IDENTIFIER_SYSTEMS[item as IdentifierKind]
            : identifierKindForSystem(item) !== undefined
              ? item
              : undefined
          : undefined;
      if (system === undefined) {
        ok = false;
        this.report([...at, index], `${String(item)} is not a person identifier kind the hub knows (${kinds})`);
      } else if (!systems.includes(system)) systems.push(system);
    });
    return ok ? systems : null;
  }

  private checkEvents(events: unknown, at: YamlPath): EventType[] | undefined {
    if (!Array.isArray(events) || events.length === 0) {
      this.report(at, 'events must be a non-empty list of event types');
      return undefined;
    }
    let ok = true;
    events.forEach((event: unknown, index) => {
      if (!isEventType(event)) {
        ok = false;
        this.report([...at, index], `${String(event)} is not an event type of the catalogue (SPEC §3)`);
      }
    });
    return ok ? (events as EventType[]) : undefined;
  }

  private checkSelector(
    selector: unknown,
    at: YamlPath,
    side: 'from' | 'to',
    events: readonly EventType[] | undefined,
  ): PartySelector | undefined {
    if (!isRecord(selector) || Object.keys(selector).length !== 1 || !('kind' in selector || 'id' in selector)) {
      this.report(at, `${side} must be exactly one of { kind: <partner kind> } or { id: <partner id> }`);
      return undefined;
    }
    let party: EventParty;
    if ('id' in selector) {
      const partner = typeof selector.id === 'string' ? this.partnersById.get(selector.id) : undefined;
      if (!partner) {
        this.report([...at, 'id'], `${String(selector.id)} is not a partner in config/partners.yaml`);
        return undefined;
      }
      party = partner.kind;
    } else {
      const kind = selector.kind;
      const allowed =
        side === 'from'
          ? kind === 'hub' || (typeof kind === 'string' && isPartnerKind(kind))
          : typeof kind === 'string' && isPartnerKind(kind);
      if (!allowed) {
        this.report([...at, 'kind'], `${String(kind)} is not a partner kind${side === 'from' ? ' (or hub)' : ''}`);
        return undefined;
      }
      party = kind as EventParty;
    }
    // The catalogue says who may publish and receive each event: a flow cannot widen it.
    let ok = true;
    for (const event of events ?? []) {
      const parties: readonly EventParty[] = EVENT_CATALOGUE[event][side];
      if (!parties.includes(party)) {
        ok = false;
        this.report(
          at,
          `${event} is ${side === 'from' ? 'published by' : 'delivered to'} ${parties.join(', ')} only, not ${party}`,
        );
      }
    }
    return ok ? (selector as PartySelector) : undefined;
  }

  private checkShare(share: unknown, at: YamlPath): Record<string, ShareRule> | undefined {
    if (!isRecord(share) || Object.keys(share).length === 0) {
      this.report(at, 'share must map resource types to their allowed elements');
      return undefined;
    }
    let ok = true;
    const rules: Record<string, ShareRule> = {};
    for (const [type, rule] of Object.entries(share)) {
      const ruleAt = [...at, type];
      const problem = (path: YamlPath, reason: string) => {
        ok = false;
        this.report(path, reason);
      };
      if (!isResourceTypeName(type)) {
        problem(ruleAt, `${type} is not a FHIR R4 resource type`);
        continue;
      }
      const elements = Array.isArray(rule) ? rule : isRecord(rule) ? rule.elements : undefined;
      const elementsAt = Array.isArray(rule) ? ruleAt : [...ruleAt, 'elements'];
      if (isRecord(rule)) {
        for (const key of Object.keys(rule))
          if (key !== 'where' && key !== 'elements')
            problem([...ruleAt, key], `unknown share key ${key} (expected where, elements)`);
        if (typeof rule.where !== 'string' || rule.where.trim() === '')
          problem([...ruleAt, 'where'], 'where must be a FHIRPath expression');
        else {
          const why = fhirPathProblem(rule.where, type);
          if (why) problem([...ruleAt, 'where'], `where is not a valid FHIRPath expression: ${why}`);
        }
      }
      if (!Array.isArray(elements)) {
        problem(elementsAt, `${type} must list its allowed elements, or be { where, elements }`);
        continue;
      }
      elements.forEach((element: unknown, index) => {
        if (typeof element !== 'string' || !isElementOf(type, element))
          problem([...elementsAt, index], `${String(element)} is not an element of ${type}`);
      });
      rules[type] = {
        elements: elements as string[],
        ...(isRecord(rule) && typeof rule.where === 'string' ? { where: rule.where } : {}),
      };
    }
    return ok ? rules : undefined;
  }
}

/**
 * Parses and checks the text of one agreement file against SPEC §5 and the partners.
 * Returns the agreement and the problems found (with file and line); the agreement is undefined
 * when there is any problem.
 */
export function parseAgreement(
  text: string,
  file: string,
  partners: readonly Partner[],
): { agreement?: Agreement; problems: PolicyConfigProblem[] } {
  const source = new YamlSource(file, text);
  if (!source.parsed) return { problems: source.problems };
  const agreement = new AgreementChecker(source, partners).check(source.value());
  return { ...(agreement ? { agreement } : {}), problems: source.problems };
}

/**
 * Checks a set of agreement files together: each one, then that no `id` + `version` appears
 * twice. Throws a {@link PolicyConfigError} listing every problem of every file.
 */
export function parseAgreements(
  files: readonly { readonly file: string; readonly text: string }[],
  partners: readonly Partner[],
): Agreement[] {
  const problems: PolicyConfigProblem[] = [];
  const agreements: Agreement[] = [];
  const seen = new Map<string, string>();
  for (const { file, text } of files) {
    const result = parseAgreement(text, file, partners);
    problems.push(...result.problems);
    if (!result.agreement) continue;
    const key = `${result.agreement.id} version ${result.agreement.version}`;
    if (seen.has(key))
      problems.push({
        file,
        line: new YamlSource(file, text).lineOf(['id']),
        path: 'id',
        reason: `agreement ${key} is also defined in ${seen.get(key)}`,
      });
    else seen.set(key, file);
    agreements.push(result.agreement);
  }
  if (problems.length > 0) throw new PolicyConfigError(problems);
  return agreements;
}

/**
 * Loads every `*.yaml` / `*.yml` file of an agreements folder (`config/agreements`), checked
 * against the partners; throws a {@link PolicyConfigError} naming file, line and reason of
 * every problem.
 */
export function loadAgreementsDir(dir: string, partners: readonly Partner[]): Agreement[] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((name) => /\.ya?ml$/.test(name))
      .sort();
  } catch (error) {
    throw new PolicyConfigError([
      {
        file: dir,
        line: 1,
        path: '',
        reason: `cannot read the folder (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      },
    ]);
  }
  return parseAgreements(
    names.map((name) => ({ file: join(dir, name), text: readFileSync(join(dir, name), 'utf8') })),
    partners,
  );
}
