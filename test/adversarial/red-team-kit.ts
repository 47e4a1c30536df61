/**
 * The red-team harness: the hub against the real broker and database, played as outside partners
 * play it. Each partner publishes with its own broker user to `cstr.ingress` under its own routing
 * key; each partner's inbox (`partner.<id>.inbox`) is read with that partner's own user; the
 * decisions are read from `GET /audit` as the IG lead, and HTTP submissions go to
 * `POST /fhir/$process-message` as the partner. Nothing here reads the hub's tables.
 */
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import * as amqp from 'amqplib';
import { connectAmqp } from '@cstr/messaging';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { AuditEvent, Bundle, MessageHeader, OperationOutcome } from 'fhir/r4';
import { HUB_INGRESS_QUEUE, INGRESS_EXCHANGE, partnerInboxQueue } from '@cstr/contracts';
import { createApp } from '@cstr/platform';
import { BrokerFixture, DatabaseFixture, eventually, testEnvironment, uniqueName } from '@cstr/testing';
import { hubApp } from '../../apps/hub/src/hub.app';
import type { PartnerEvent, TestPerson } from './partner-bundles';

/** Every partner of config/partners.yaml that may receive anything: their inboxes are read. */
export const RECEIVING_PARTNERS = [
  'sl-liaison-diversion',
  'nps-london-croydon',
  'nps-london-lambeth',
  'slam-mhtr',
  'st-andrews-mhtr',
  'pds-gp-registration',
] as const;

/** The IG lead of the shipped principals file (demo secret, as apps/hub/README.md documents). */
const IG_LEAD = { id: 'ig-lead', secret: 'dev-only-ig-lead' };

/** A partner principal of the shipped principals file. */
function partnerPrincipal(partnerId: string): { id: string; secret: string } {
  return { id: partnerId, secret: `dev-only-${partnerId}` };
}

/** One copy that arrived in a partner's inbox. */
export interface ReceivedCopy {
  readonly recipient: string;
  readonly eventId: string;
  readonly type: string;
  readonly routingKey: string;
  readonly properties: amqp.MessageProperties;
  readonly text: string;
  readonly bundle: Bundle;
}

/** One audit record, as the UKCore-AuditEvent of `GET /audit` shows it. */
export interface AuditView {
  readonly eventId?: string;
  readonly eventType?: string;
  /** `decision` (an Export), or what else the record is. */
  readonly decision: boolean;
  readonly delivered: boolean;
  readonly refused: boolean;
  readonly sender?: string;
  readonly recipient?: string;
  readonly rule?: string;
  readonly flow?: string;
  readonly agreement?: string;
  readonly reason?: string;
  readonly removed: readonly string[];
  readonly consentRef?: string;
  /** The whole record as text, without removed-element paths and chain hashes (for "does it mention …"). */
  readonly text: string;
  readonly raw: AuditEvent;
}

/** What the hub made of one event: its audit records and the copies that reached inboxes. */
export interface Played {
  readonly event: PartnerEvent;
  readonly audit: readonly AuditView[];
  /** Copies by recipient (partner id). */
  readonly copies: ReadonlyMap<string, ReceivedCopy>;
  /** The recipients whose inbox got a copy, sorted. */
  readonly recipients: readonly string[];
  /** The decision record for one recipient. */
  decisionFor(recipient: string): AuditView | undefined;
}

/** An answer of the hub's HTTP API. */
export interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
}

const DCM_EXPORT = '110106';
const SOURCE_ROLE = '110153';
const DESTINATION_ROLE = '110152';

/** Reads an AuditEvent of `GET /audit`. */
export function auditView(event: AuditEvent): AuditView {
  const subject = event.entity?.[0];
  const details = new Map<string, string[]>();
  for (const detail of subject?.detail ?? []) {
    const value = detail.valueString ?? '';
    details.set(detail.type, [...(details.get(detail.type) ?? []), value]);
  }
  const agentOf = (code: string): string | undefined =>
    event.agent.find((agent) => agent.type?.coding?.some((coding) => coding.code === code))?.who?.display;
  const eventIdentifier = subject?.what?.identifier?.value;
  const consent = event.entity?.find((entity) => entity.type?.code === 'Consent');
  const stripped: AuditEvent = {
    ...event,
    entity: event.entity?.map((entity) => ({
      ...entity,
      detail: entity.detail?.filter((detail) => detail.type !== 'removed-element' && !detail.type.startsWith('audit-')),
    })),
  };
  return {
    ...(eventIdentifier ? { eventId: eventIdentifier.replace(/^urn:uuid:/, '') } : {}),
    ...(event.subtype?.[0]?.code ? { eventType: event.subtype[0].code } : {}),
    decision: event.type.code === DCM_EXPORT,
    delivered: event.type.code === DCM_EXPORT && event.outcome === '0',
    refused: event.outcome === '4',
    sender: agentOf(SOURCE_ROLE),
    recipient: agentOf(DESTINATION_ROLE),
    rule: details.get('refusing-rule')?.[0],
    flow: details.get('flow')?.[0],
    agreement: details.get('agreement')?.[0]?.split('|')[0],
    reason: details.get('reason')?.[0] ?? event.outcomeDesc,
    removed: details.get('removed-element') ?? [],
    consentRef: consent?.what?.reference ?? consent?.what?.identifier?.value,
    text: JSON.stringify(stripped),
    raw: event,
  };
}

/** The text of an OperationOutcome's issues of one severity (diagnostics, details, expressions). */
export function issuesText(outcome: unknown, severity: 'warning' | 'error' | 'information'): string[] {
  const issues = (outcome as OperationOutcome | undefined)?.issue ?? [];
  return issues
    .filter((issue) => issue.severity === severity)
    .map((issue) =>
      [issue.code, issue.diagnostics, issue.details?.text, ...(issue.expression ?? [])].filter(Boolean).join(' | '),
    );
}

/** The agreements of config/agreements/*.yaml as plain data (read by tests that must follow what a flow states). */
export function agreementFlow(agreementId: string, flowId: string): Record<string, unknown> | undefined {
  const folder = path.join(__dirname, '../../config/agreements');
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.yaml'))) {
    const agreement = parseYaml(readFileSync(path.join(folder, file), 'utf8')) as {
      id?: string;
      flows?: Record<string, unknown>[];
    };
    if (agreement?.id !== agreementId) continue;
    return agreement.flows?.find((flow) => flow.id === flowId);
  }
  return undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The hub, the partners' broker connections and their inboxes, for one test file. */
export class RedTeamHarness {
  private readonly publishers = new Map<string, { connection: amqp.ChannelModel; channel: amqp.ConfirmChannel }>();
  private readonly readers: { connection: amqp.ChannelModel; channel: amqp.Channel }[] = [];
  private readonly received: ReceivedCopy[] = [];

  private constructor(
    private readonly app: INestApplication,
    private readonly database: DatabaseFixture,
    private readonly broker: BrokerFixture,
    readonly baseUrl: string,
  ) {}

  /** Boots the hub in a schema of its own and starts reading every receiving partner's inbox. */
  static async start(): Promise<RedTeamHarness> {
    const env = testEnvironment();
    const broker = await BrokerFixture.open(env.rabbitAdminUrl);
    // What earlier test files left in the shared queues is not this file's business.
    for (const queue of [HUB_INGRESS_QUEUE, ...RECEIVING_PARTNERS.map(partnerInboxQueue)])
      await broker.channel.purgeQueue(queue).catch(() => undefined);
    const schema = uniqueName('hub_red_team');
    const database = await DatabaseFixture.open(env.databaseUrl, schema, hubApp.migrations);
    const app = await createApp(hubApp, {
      RABBITMQ_URL: env.hubUrl,
      DATABASE_URL: env.databaseUrl,
      DATABASE_SCHEMA: schema,
      HTTP_PORT: '0',
      HTTP_HOST: '127.0.0.1',
      LOG_LEVEL: 'error',
      // No missed-deadline notices of the hub's own in the middle of an attack.
      PATHWAY_SCHEDULER_INTERVAL_MS: '0',
    });
    const address = (app.getHttpServer() as { address(): AddressInfo }).address();
    const harness = new RedTeamHarness(app, database, broker, `http://127.0.0.1:${address.port}`);
    for (const partnerId of RECEIVING_PARTNERS) await harness.readInbox(partnerId, env.partnerUrls[partnerId]);
    return harness;
  }

  async close(): Promise<void> {
    for (const { connection } of [...this.publishers.values(), ...this.readers])
      await connection.close().catch(() => undefined);
    await this.app.close();
    await this.database.close();
    await this.broker.close();
  }

  /** Reads `partner.<id>.inbox` as the partner itself, acknowledging every copy. */
  private async readInbox(partnerId: string, url: string | undefined): Promise<void> {
    if (!url) throw new Error(`The test stack has no broker user for ${partnerId}`);
    const connection = await connectAmqp(url, { clientProperties: { connection_name: `red-team:${partnerId}` } });
    const channel = await connection.createChannel();
    await channel.prefetch(100);
    await channel.consume(partnerInboxQueue(partnerId), (message) => {
      if (!message) return;
      const text = message.content.toString('utf8');
      let bundle: Bundle;
      try {
        bundle = JSON.parse(text) as Bundle;
      } catch {
        bundle = { resourceType: 'Bundle', type: 'message' };
      }
      this.received.push({
        recipient: partnerId,
        eventId: String(message.properties.messageId),
        type: String(message.properties.type),
        routingKey: message.fields.routingKey,
        properties: message.properties,
        text,
        bundle,
      });
      channel.ack(message);
    });
    this.readers.push({ connection, channel });
  }

  private async publisherOf(partnerId: string): Promise<{ channel: amqp.ConfirmChannel; user: string }> {
    const url = testEnvironment().partnerUrls[partnerId];
    if (!url) throw new Error(`The test stack has no broker user for ${partnerId}`);
    const user = decodeURIComponent(new URL(url).username);
    let known = this.publishers.get(partnerId);
    if (!known) {
      const connection = await connectAmqp(url, {
        clientProperties: { connection_name: `red-team-publisher:${partnerId}` },
      });
      const channel = await connection.createConfirmChannel();
      known = { connection, channel };
      this.publishers.set(partnerId, known);
    }
    return { channel: known.channel, user };
  }

  /**
   * Publishes an event as its sender does: its own broker user, `cstr.ingress`, routing key
   * `<sender>.<type>`, messageId = Bundle.id, type, FHIR JSON, persistent; waits for the broker's confirm.
   */
  async publish(event: PartnerEvent): Promise<void> {
    const { channel, user } = await this.publisherOf(event.sender);
    channel.publish(INGRESS_EXCHANGE, `${event.sender}.${event.type}`, Buffer.from(JSON.stringify(event.bundle)), {
      messageId: event.eventId,
      type: event.type,
      correlationId: event.eventId,
      contentType: 'application/fhir+json',
      persistent: true,
      timestamp: Math.floor(Date.now() / 1000),
      userId: user,
      headers: { traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01` },
    });
    await channel.waitForConfirms();
  }

  /** `POST /fhir/$process-message` as the event's sender (partner principal). */
  async submitOverHttp(event: PartnerEvent): Promise<HttpAnswer> {
    const principal = partnerPrincipal(event.sender);
    const response = await fetch(`${this.baseUrl}/fhir/$process-message`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${principal.id}:${principal.secret}`).toString('base64')}`,
        'content-type': 'application/fhir+json',
      },
      body: JSON.stringify(event.bundle),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      // not JSON: kept as text
    }
    return { status: response.status, body };
  }

  /** The audit records of one event type, oldest first, as the IG lead reads them. */
  async auditOfType(eventType: string): Promise<AuditView[]> {
    const views: AuditView[] = [];
    let next: string | undefined = `/audit?event=${encodeURIComponent(eventType)}&limit=1000&order=oldest-first`;
    while (next) {
      const response = await fetch(`${this.baseUrl}${next}`, {
        headers: { authorization: `Basic ${Buffer.from(`${IG_LEAD.id}:${IG_LEAD.secret}`).toString('base64')}` },
      });
      if (response.status !== 200) throw new Error(`GET ${next} answered ${response.status}: ${await response.text()}`);
      const bundle = (await response.json()) as Bundle;
      for (const entry of bundle.entry ?? []) views.push(auditView(entry.resource as AuditEvent));
      next = bundle.link?.find((link) => link.relation === 'next')?.url;
    }
    return views;
  }

  /** The audit records of one event. */
  async auditOf(event: PartnerEvent): Promise<AuditView[]> {
    return (await this.auditOfType(event.type)).filter((view) => view.eventId === event.eventId);
  }

  /** Waits until the hub has decided about the event (its audit records are committed). */
  async handled(event: PartnerEvent, timeoutMs = 20_000): Promise<AuditView[]> {
    return eventually(
      () => this.auditOf(event),
      (views) => views.length > 0,
      timeoutMs,
      150,
    );
  }

  /**
   * Waits until the event is decided and every delivery its audit records reached the
   * recipient's inbox, then a little longer (anything else would have come in the same relay
   * pass). Fails when the hub refused the event at ingress, unless `mayBeRefused`.
   */
  async settled(event: PartnerEvent, options: { mayBeRefused?: boolean } = {}): Promise<Played> {
    const audit = await this.handled(event);
    const atIngress = audit.find((view) => !view.decision && view.refused);
    if (atIngress && !options.mayBeRefused)
      throw new Error(
        `The hub refused ${event.type} ${event.eventId} at ingress: ${atIngress.rule} ${atIngress.reason}`,
      );
    const deliveredTo = audit.filter((view) => view.delivered).map((view) => view.recipient as string);
    await eventually(
      async () => this.copiesOf(event.eventId),
      (copies) => deliveredTo.every((recipient) => copies.has(recipient)),
      10_000,
    ).catch((error: Error) => {
      throw new Error(
        `The audit says ${event.type} was delivered to ${deliveredTo.join(', ')}, but not every inbox got it: ${error.message}`,
      );
    });
    await sleep(400);
    const copies = this.copiesOf(event.eventId);
    return {
      event,
      audit,
      copies,
      recipients: [...copies.keys()].sort(),
      decisionFor: (recipient) => audit.find((view) => view.decision && view.recipient === recipient),
    };
  }

  /** Publishes the event and waits until it has settled ({@link settled}). */
  async play(event: PartnerEvent, options: { mayBeRefused?: boolean } = {}): Promise<Played> {
    await this.publish(event);
    return this.settled(event, options);
  }

  /** Plays events one after the other, each settled before the next (time passes on a pathway). */
  async playAll(...events: PartnerEvent[]): Promise<Played[]> {
    const played: Played[] = [];
    for (const event of events) played.push(await this.play(event));
    return played;
  }

  /** The copies of one event that reached inboxes, by recipient (the last one, if a copy came twice). */
  copiesOf(eventId: string): Map<string, ReceivedCopy> {
    return new Map(this.received.filter((copy) => copy.eventId === eventId).map((copy) => [copy.recipient, copy]));
  }

  /** Every copy that reached `partnerId`'s inbox carrying any of the person's identifiers or their address. */
  copiesAbout(partnerId: string, person: TestPerson): ReceivedCopy[] {
    const marks = [person.nhsNumber, person.crn, person.pncId, person.addressLine];
    return this.received.filter(
      (copy) => copy.recipient === partnerId && marks.some((mark) => copy.text.includes(mark)),
    );
  }
}

/** The partner a delivered copy's MessageHeader.destination names. */
export function destinationOf(copy: ReceivedCopy): string[] {
  const header = copy.bundle.entry?.[0]?.resource as MessageHeader | undefined;
  return (header?.destination ?? []).map((destination) => destination.endpoint);
}
