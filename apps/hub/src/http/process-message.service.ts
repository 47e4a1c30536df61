import { createHash } from 'node:crypto';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  AmqpHeaders,
  FHIR_JSON_CONTENT_TYPE,
  INGRESS_EXCHANGE,
  OperationOutcomeError,
  ingressRoutingKey,
  operationOutcome,
  operationOutcomeOf,
  partnerIdFromEndpoint,
  type OperationOutcome,
  type OperationOutcomeIssue,
} from '@cstr/contracts';
import { Outbox, encodeBody, newTraceparent } from '@cstr/messaging';
import { APP_CONFIG } from '@cstr/platform';
import { HubPolicy } from '../core/hub-policy';
import type { HubConfig } from '../hub.config';
import { checkEnvelope, type CheckedEnvelope } from '../ingress/envelope.check';
import { readSubjectIdentifiers } from '@cstr/identity';
import { patientOf } from '@cstr/fhir';
import { partyWarnings } from '@cstr/policy';
import type { IngressRefusalCode } from '../ingress/ingress-message';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** How a submission ended: accepted now, or accepted earlier (same event id, same content). */
export interface Submission {
  readonly eventId: string;
  readonly eventType: string;
  readonly duplicate: boolean;
  readonly outcome: OperationOutcome;
}

/** Refusals that are about who may send, not about the Bundle's content. */
const FORBIDDEN_CODES: ReadonlySet<IngressRefusalCode> = new Set([
  'sender-kind-not-allowed',
  'sender-endpoint-mismatch',
  'unknown-sender',
]);

/**
 * `$process-message`: a partner submits an event over HTTP instead of AMQP. The Bundle is checked
 * as the ingress pipeline checks it (so the partner hears at once what would be refused), then
 * queued to `cstr.ingress` with the partner's routing key through the transactional outbox, so
 * the pipeline handles it exactly like an AMQP submission. Idempotent on the event id
 * (`Bundle.id`): the same Bundle again is answered as accepted without publishing twice; a
 * different Bundle under a used id is a conflict.
 */
@Injectable()
export class ProcessMessageService {
  constructor(
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(Outbox) private readonly outbox: Outbox,
    @Inject(HubPolicy) private readonly policy: HubPolicy,
    @Inject(APP_CONFIG) private readonly config: HubConfig,
  ) {}

  /**
   * Waits (up to PROCESS_MESSAGE_WAIT_MS) until the ingress pipeline has applied the event or
   * refused it, so that the partner's next event — over HTTP or AMQP — comes after it, as SPEC §4
   * orders events about one person (a withdrawal before the next missed appointment).
   */
  private async waitUntilApplied(eventId: string): Promise<boolean> {
    const deadline = Date.now() + this.config.PROCESS_MESSAGE_WAIT_MS;
    for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
      const rows = (await this.dataSource.query(
        `SELECT 1 FROM messaging_processed_event WHERE event_id = $1
         UNION ALL SELECT 1 FROM ingress_refusal WHERE event_id = $1 LIMIT 1`,
        [eventId],
      )) as unknown[];
      if (rows.length > 0) return true;
      if (Date.now() + pause > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /**
   * What the hub will not take from the Bundle as it says, told to the submitter at once: subject
   * identifiers it ignores (an unknown system links nothing) and parties it cannot resolve.
   */
  contentWarnings(checked: CheckedEnvelope): OperationOutcomeIssue[] {
    const patient = patientOf(checked.bundle);
    const identifiers = patient ? readSubjectIdentifiers(patient.identifier).issues : [];
    return [...identifiers, ...partyWarnings(checked.bundle, checked.sender, this.policy.partners)];
  }

  /**
   * The checks a submission passes before anything is stored or queued: a Bundle, from the
   * caller's own endpoint, whose id is a UUID and whose envelope holds as the ingress pipeline
   * checks it ({@link checkEnvelope}). Throws an {@link OperationOutcomeError}; `$validate` runs
   * the same checks.
   */
  check(body: unknown, partnerId: string): { eventId: string; checked: CheckedEnvelope } {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new OperationOutcomeError(
        HttpStatus.BAD_REQUEST,
        operationOutcome('error', 'structure', 'The body must be a FHIR message Bundle (a JSON object).', ['Bundle']),
      );
    }
    const bundle = body as { resourceType?: unknown; id?: unknown; entry?: unknown };
    if (bundle.resourceType !== 'Bundle') {
      throw new OperationOutcomeError(
        HttpStatus.BAD_REQUEST,
        operationOutcome('error', 'structure', 'The body must be a FHIR Bundle of type message.', [
          'Bundle.resourceType',
        ]),
      );
    }
    const header = Array.isArray(bundle.entry)
      ? (
          bundle.entry[0] as
            { resource?: { source?: { endpoint?: unknown }; eventCoding?: { code?: unknown } } } | undefined
        )?.resource
      : undefined;
    const endpoint = header?.source?.endpoint;
    const claimed = typeof endpoint === 'string' ? partnerIdFromEndpoint(endpoint) : undefined;
    if (claimed !== undefined && claimed !== partnerId) {
      throw new OperationOutcomeError(
        HttpStatus.FORBIDDEN,
        operationOutcome(
          'error',
          'forbidden',
          `You are authenticated as partner ${partnerId}; a partner cannot submit as another.`,
          ['Bundle.entry[0].resource.source.endpoint'],
        ),
      );
    }
    if (typeof bundle.id !== 'string' || !UUID.test(bundle.id)) {
      throw new OperationOutcomeError(
        HttpStatus.UNPROCESSABLE_ENTITY,
        operationOutcome('error', 'value', 'Bundle.id must be the event id, a UUID.', ['Bundle.id']),
      );
    }
    const eventId = bundle.id.toLowerCase();
    const eventType = typeof header?.eventCoding?.code === 'string' ? header.eventCoding.code : '';
    const checked = checkEnvelope(
      { eventId, type: eventType, routingKey: ingressRoutingKey(partnerId, eventType), body },
      this.policy,
    );
    if (checked.kind === 'refused') {
      throw new OperationOutcomeError(
        FORBIDDEN_CODES.has(checked.code) ? HttpStatus.FORBIDDEN : HttpStatus.UNPROCESSABLE_ENTITY,
        checked.outcome,
      );
    }
    return { eventId, checked };
  }

  /** Accepts `body` from `partnerId` (authenticated as `principalId`) or throws an {@link OperationOutcomeError}. */
  async submit(body: unknown, partnerId: string, principalId: string): Promise<Submission> {
    const { eventId, checked } = this.check(body, partnerId);
    const payload = encodeBody(body);
    const digest = createHash('sha256').update(payload).digest('hex');
    const duplicate = await this.dataSource.transaction(async (manager) => {
      const inserted = (await manager.query(
        `INSERT INTO hub_http_submission (event_id, partner_id, principal_id, event_type, body_sha256) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
        [eventId, partnerId, principalId, checked.eventType, digest],
      )) as unknown[];
      if (inserted.length === 0) {
        const [earlier] = (await manager.query(
          'SELECT partner_id, body_sha256 FROM hub_http_submission WHERE event_id = $1',
          [eventId],
        )) as { partner_id: string; body_sha256: string }[];
        if (earlier?.partner_id === partnerId && earlier.body_sha256 === digest) return true;
        throw new OperationOutcomeError(
          HttpStatus.CONFLICT,
          operationOutcome(
            'error',
            'conflict',
            `Event ${eventId} was already submitted with different content; a new event needs a new Bundle.id.`,
            ['Bundle.id'],
          ),
        );
      }
      await this.outbox.add(manager, {
        exchange: INGRESS_EXCHANGE,
        routingKey: ingressRoutingKey(partnerId, checked.eventType),
        eventId,
        type: checked.eventType,
        body: payload,
        contentType: FHIR_JSON_CONTENT_TYPE,
        traceparent: newTraceparent(),
        // The partner it came from, should the broker dead-letter this copy (the DLQ's key drops it).
        headers: { [AmqpHeaders.originalRoutingKey]: ingressRoutingKey(partnerId, checked.eventType) },
      });
      return false;
    });
    const applied = await this.waitUntilApplied(eventId);
    const diagnostics = `${
      duplicate
        ? `Event ${eventId} (${checked.eventType}) was already accepted; not queued again.`
        : `Event ${eventId} (${checked.eventType}) accepted for processing.`
    } ${applied ? 'The hub has applied it: it is ahead of anything sent after this answer.' : 'Not yet applied.'}`;
    return {
      eventId,
      eventType: checked.eventType,
      duplicate,
      outcome: operationOutcomeOf([
        { severity: 'information', code: 'informational', diagnostics },
        ...checked.warnings,
        ...this.contentWarnings(checked),
      ]),
    };
  }
}
