/**
 * Plays the demo against running apps: each step of demo-script.ts is a request to the partner
 * sandbox; after each, the hub's audit (`GET /audit`, as the demo IG user) and the stand-ins'
 * received logs are polled until quiet, and every new decision and write is printed.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEvent, Bundle } from 'fhir/r4';
import { newLines, type ArrivalRecord } from './demo-output';
import { demoSteps, DEMO_PERSON, type DemoState } from './demo-script';

/** Where the apps are and how to read the audit. */
export interface DemoOptions {
  readonly hubUrl: string;
  readonly sandboxUrl: string;
  /** The `authorization` header for the stand-ins' partner APIs (the sandbox operator's token), when they require one. */
  readonly sandboxAuthorization?: () => Promise<string>;
  readonly projectRoot: string;
  /** `id:secret` of an ig-auditor principal (the demo one: config/principals.yaml). */
  readonly auditCredentials: string;
  readonly print: (line: string) => void;
  /** How long a step's flows may take to settle (default 10 s), and how long without news counts as settled (default 1.5 s). */
  readonly settleMaxMs?: number;
  readonly quietMs?: number;
}

const STAND_IN_KINDS = ['hmcts', 'ld', 'delius', 'fhir', 'pds'] as const;
/** How long a step that awaits a decision may wait for it: more than a polled provider's interval. */
const AWAIT_DECISION_MS = 45_000;

/** Plays every step; resolves once the last step's flows have settled. */
export async function playDemo(options: DemoOptions): Promise<void> {
  const { print } = options;
  const startedAt = new Date();
  const run = {
    runId: startedAt.getTime().toString(36),
    hearingId: randomUUID(),
    drrHearingId: randomUUID(),
    reviewHearingId: randomUUID(),
    now: startedAt,
    fixture: (folder: string, name: string): unknown =>
      JSON.parse(
        readFileSync(join(options.projectRoot, 'libs/fhir/test/fixtures/partner', folder, `${name}.json`), 'utf8'),
      ),
  };
  const seen = new Set<string>();
  const state: DemoState = {};
  const authorization = `Basic ${Buffer.from(options.auditCredentials).toString('base64')}`;

  // The audit records seen (by id), with the event type each decided on.
  const decided = new Map<string, string>();
  const decisionsOn = (type: string): number => [...decided.values()].filter((each) => each === type).length;
  const poll = async (): Promise<number> => {
    const audit = await getJson<Bundle>(
      `${options.hubUrl}/audit?from=${encodeURIComponent(startedAt.toISOString())}&order=oldest-first&limit=1000`,
      { authorization },
    );
    const auditEvents = (audit.entry ?? []).map((entry) => entry.resource as AuditEvent);
    const received = await Promise.all(
      STAND_IN_KINDS.map((kind) =>
        getJson<{ records: ArrivalRecord[] }>(`${options.sandboxUrl}/sandbox/${kind}/received`, {}),
      ),
    );
    const arrivals = received
      .flatMap((answer) => answer.records)
      .filter((record) => record.at >= startedAt.toISOString());
    const lines = newLines(seen, auditEvents, arrivals);
    for (const line of lines) print(line.text);
    for (const event of auditEvents) decided.set(event.id ?? '', event.subtype?.[0]?.code ?? '');
    return lines.length;
  };
  const settle = async (awaits?: { type: string; before: number }): Promise<void> => {
    const deadline = Date.now() + (awaits ? AWAIT_DECISION_MS : (options.settleMaxMs ?? 10_000));
    let quietSince = Date.now();
    const waiting = () => awaits !== undefined && decisionsOn(awaits.type) <= awaits.before;
    while (Date.now() < deadline && (waiting() || Date.now() - quietSince < (options.quietMs ?? 1_500))) {
      await new Promise((done) => setTimeout(done, 300));
      if ((await poll()) > 0) quietSince = Date.now();
    }
  };

  print(
    `Demo: ${DEMO_PERSON.name} (CRN ${DEMO_PERSON.crn}, NHS ${DEMO_PERSON.nhsNumber}) through the MHTR pathway. Times UTC.`,
  );
  print(`${'time'.padEnd(10)}${'sender → hub → recipient'.padEnd(53)}${'event type'.padEnd(33)}decision`);
  const steps = demoSteps(run);
  for (const [index, step] of steps.entries()) {
    print(`\n▸ ${index + 1}/${steps.length}  ${step.narration}`);
    const before = step.awaits ? decisionsOn(step.awaits) : 0;
    const response = await fetch(`${options.sandboxUrl}${step.path}`, {
      method: step.method,
      headers: {
        'Content-Type': 'application/json',
        ...(options.sandboxAuthorization ? { authorization: await options.sandboxAuthorization() } : {}),
        ...step.headers,
      },
      body: JSON.stringify(step.body(state)),
      signal: AbortSignal.timeout(30_000),
    });
    const answer = (await response.json().catch(() => ({}))) as { id?: string; adapterStatus?: number };
    if (!response.ok)
      throw new Error(`${step.id}: the sandbox answered ${response.status} to ${step.method} ${step.path}`);
    if (answer.adapterStatus !== undefined && answer.adapterStatus >= 300)
      print(`  (the adapter answered ${answer.adapterStatus})`);
    if (step.saves && answer.id) state[step.saves] = answer.id;
    await settle(step.awaits ? { type: step.awaits, before } : undefined);
  }
  print(
    '\nDemo done. The hub keeps running: GET /audit, /audit/flows and the sandbox /sandbox/{kind}/received show all of it.',
  );
}

async function getJson<T>(url: string, headers: Record<string, string>): Promise<T> {
  const response = await fetch(url, {
    headers: { accept: 'application/json', ...headers },
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`GET ${url.replace(/\?.*$/, '')} answered ${response.status}`);
  return (await response.json()) as T;
}
