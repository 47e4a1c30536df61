import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import { parseCrn } from '@cstr/identity';
import { setBounded } from '../shared/bounded';
import { PartnerFixtures } from '../shared/partner-fixtures';
import { SANDBOX_SETTINGS, type SandboxSettings } from '../shared/sandbox-settings';
import { HmppsApiError } from './hmpps-error.filter';

/** A probation case the Delius stand-in knows: `crn` plus whatever personal details were seeded. */
export interface DeliusCase {
  readonly crn: string;
  readonly [detail: string]: unknown;
}

/** A contact or an alert written to a case. */
export interface DeliusEntry {
  readonly id: string;
  readonly crn: string;
  readonly type: string;
  readonly date: string;
  readonly notes?: string;
  readonly externalReference?: string;
  readonly createdAt: string;
}

/** The cases file: known contact types and seeded cases. */
interface CasesFile {
  readonly contactTypes: readonly { code: string; description: string }[];
  readonly cases: readonly DeliusCase[];
}

interface PartnerState {
  readonly cases: Map<string, DeliusCase>;
  /** Contacts by externalReference, for idempotent writes. */
  readonly contacts: Map<string, DeliusEntry>;
  readonly alerts: Map<string, DeliusEntry>;
  /** Detail documents by path under `/detail`, e.g. `/registrations/X412563/2500123456`. */
  readonly details: Map<string, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readCasesFile(file: string): CasesFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (error) {
    throw new Error(
      `Cannot read the Delius cases file ${file}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.cases) || !Array.isArray(parsed.contactTypes)) {
    throw new Error(`The Delius cases file ${file} must hold { contactTypes: [...], cases: [...] }`);
  }
  parsed.cases.forEach((item: unknown, index) => {
    if (!isRecord(item) || !parseCrn(item.crn).ok)
      throw new Error(`The Delius cases file ${file}: cases[${index}].crn is not a CRN`);
  });
  return parsed as unknown as CasesFile;
}

const ISO_DATE_OR_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * The state of each probation partner's Delius API stand-in: cases (seeded from the cases file),
 * contacts and alerts written by the adapter, and the detail documents of emitted domain events.
 */
@Injectable()
export class DeliusApi {
  private readonly file: CasesFile;
  private readonly states = new Map<string, PartnerState>();

  constructor(
    @Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings,
    private readonly fixtures: PartnerFixtures,
  ) {
    this.file = readCasesFile(settings.deliusCasesFile);
  }

  /** The contact type codes the stand-in accepts. */
  contactTypes(): string[] {
    return this.file.contactTypes.map((type) => type.code);
  }

  private state(partnerId: string): PartnerState {
    let state = this.states.get(partnerId);
    if (!state) {
      state = {
        cases: new Map(this.file.cases.map((item) => [item.crn, item])),
        contacts: new Map(),
        alerts: new Map(),
        details: new Map(this.fixtureDetails()),
      };
      this.states.set(partnerId, state);
    }
    return state;
  }

  /** The hmpps fixtures' detail documents, keyed by the path of their event's detailUrl. */
  private fixtureDetails(): [string, unknown][] {
    return this.fixtures
      .names('hmpps')
      .filter((name) => name.endsWith('.event'))
      .flatMap((name) => {
        const base = name.slice(0, -'.event'.length);
        const event = this.fixtures.load('hmpps', name) as { detailUrl?: unknown };
        if (typeof event.detailUrl !== 'string' || !this.fixtures.names('hmpps').includes(`${base}.detail`)) return [];
        return [
          [new URL(event.detailUrl).pathname, this.fixtures.load('hmpps', `${base}.detail`)] as [string, unknown],
        ];
      });
  }

  /** The case; 404 like the real API for an unknown CRN. */
  getCase(partnerId: string, crn: string): DeliusCase {
    const found = this.state(partnerId).cases.get(crn);
    if (!found) throw new HmppsApiError(404, `Person with crn of ${crn} not found`, 'NOT_FOUND');
    return found;
  }

  /** Adds a case; 400 for a bad CRN, 409 when it exists. */
  addCase(partnerId: string, body: unknown): DeliusCase {
    if (!isRecord(body) || !parseCrn(body.crn).ok)
      throw new HmppsApiError(400, 'crn is required and must be a CRN (a letter and six digits)', 'VALIDATION_FAILURE');
    const state = this.state(partnerId);
    const crn = body.crn as string;
    if (state.cases.has(crn))
      throw new HmppsApiError(409, `Person with crn of ${crn} already exists`, 'CONFLICT', state.cases.get(crn));
    const added: DeliusCase = { ...body, crn };
    setBounded(state.cases, crn, added, this.settings.maxRecords);
    return added;
  }

  /** Writes a contact; 404 unknown CRN, 400 invalid, 409 (with the existing contact) for a repeated externalReference. */
  addContact(partnerId: string, crn: string, body: unknown): DeliusEntry {
    this.getCase(partnerId, crn);
    if (!isRecord(body)) throw new HmppsApiError(400, 'The contact must be a JSON object', 'VALIDATION_FAILURE');
    const problems: string[] = [];
    if (typeof body.type !== 'string' || !this.contactTypes().includes(body.type))
      problems.push(`type must be one of ${this.contactTypes().join(', ')}`);
    if (typeof body.date !== 'string' || !ISO_DATE_OR_TIME.test(body.date))
      problems.push('date must be an ISO date or date-time');
    if (body.notes !== undefined && typeof body.notes !== 'string') problems.push('notes must be a string');
    if (typeof body.externalReference !== 'string' || body.externalReference.trim() === '')
      problems.push('externalReference is required');
    if (problems.length > 0)
      throw new HmppsApiError(400, `Validation failure: ${problems.join('; ')}`, 'VALIDATION_FAILURE');
    return this.addEntry(this.state(partnerId).contacts, 'contact', crn, body);
  }

  /** Writes an alert for the responsible officer; same rules as contacts, but any type and an optional externalReference. */
  addAlert(partnerId: string, crn: string, body: unknown): DeliusEntry {
    this.getCase(partnerId, crn);
    if (!isRecord(body)) throw new HmppsApiError(400, 'The alert must be a JSON object', 'VALIDATION_FAILURE');
    const problems: string[] = [];
    if (typeof body.type !== 'string' || body.type.trim() === '') problems.push('type is required');
    if (typeof body.date !== 'string' || !ISO_DATE_OR_TIME.test(body.date))
      problems.push('date must be an ISO date or date-time');
    if (typeof body.notes !== 'string' || body.notes.trim() === '')
      problems.push('notes is required (what the officer must know)');
    if (
      body.externalReference !== undefined &&
      (typeof body.externalReference !== 'string' || body.externalReference.trim() === '')
    )
      problems.push('externalReference must be a non-empty string');
    if (problems.length > 0)
      throw new HmppsApiError(400, `Validation failure: ${problems.join('; ')}`, 'VALIDATION_FAILURE');
    return this.addEntry(this.state(partnerId).alerts, 'alert', crn, body);
  }

  private addEntry(
    entries: Map<string, DeliusEntry>,
    what: string,
    crn: string,
    body: Record<string, unknown>,
  ): DeliusEntry {
    const externalReference = body.externalReference as string | undefined;
    const existing = externalReference ? entries.get(externalReference) : undefined;
    if (existing)
      throw new HmppsApiError(
        409,
        `A ${what} with externalReference ${externalReference} already exists`,
        'DUPLICATE_EXTERNAL_REFERENCE',
        existing,
      );
    const entry: DeliusEntry = {
      id: randomUUID(),
      crn,
      type: body.type as string,
      date: body.date as string,
      ...(typeof body.notes === 'string' ? { notes: body.notes } : {}),
      ...(externalReference ? { externalReference } : {}),
      createdAt: new Date().toISOString(),
    };
    setBounded(entries, externalReference ?? entry.id, entry, this.settings.maxRecords);
    return entry;
  }

  /** The contacts of a case, oldest first. */
  contacts(partnerId: string, crn: string): DeliusEntry[] {
    this.getCase(partnerId, crn);
    return [...this.state(partnerId).contacts.values()].filter((entry) => entry.crn === crn);
  }

  /** The alerts of a case, oldest first. */
  alerts(partnerId: string, crn: string): DeliusEntry[] {
    this.getCase(partnerId, crn);
    return [...this.state(partnerId).alerts.values()].filter((entry) => entry.crn === crn);
  }

  /** The detail document at `path` (under `/detail`); 404 when none. */
  detail(partnerId: string, path: string): unknown {
    const found = this.state(partnerId).details.get(path);
    if (found === undefined) throw new HmppsApiError(404, `No detail at ${path}`, 'NOT_FOUND');
    return found;
  }

  /** Serves `detail` at `path` (under `/detail`) from now on. */
  putDetail(partnerId: string, path: string, detail: unknown): void {
    setBounded(this.state(partnerId).details, path, detail, this.settings.maxRecords);
  }
}
