import { Inject, Injectable } from '@nestjs/common';
import type { AuditPersonIdentifier, AuditRecordInput } from '@cstr/audit';
import {
  AmqpHeaders,
  DELIVERY_EXCHANGE,
  deliveryRoutingKey,
  operationOutcomeOf,
  type OperationOutcomeIssue,
  type PartnerKind,
} from '@cstr/contracts';
import { PersonIndex, readSubjectIdentifiers, type PersonSubject } from '@cstr/identity';
import { childTraceparent, encodeBody, type OutgoingMessage } from '@cstr/messaging';
import { APP_CONFIG } from '@cstr/platform';
import { patientOf } from '@cstr/fhir';
import {
  endRelationships,
  partyWarnings,
  recipientsFor,
  updateConsent,
  updateRelationships,
  updateRestriction,
  type PolicyEvent,
  type RestrictionState,
} from '@cstr/policy';
import type { Bundle, Patient } from 'fhir/r4';
import { INGRESS_METRICS } from '../core/hub-core.module';
import type { IngressMetrics } from '../core/hub-metrics';
import { HubPolicy } from '../core/hub-policy';
import type { HubConfig } from '../hub.config';
import { decisionRecord, ingressRefusalRecord, keptByHubRecord, type DecisionContext } from './audit-records';
import {
  checkEnvelope,
  refusal,
  routingKeyPartner,
  type CheckedEnvelope,
  type EnvelopeOptions,
} from './envelope.check';
import { IngressObservers } from './ingress-observer';
import type { IngressAccepted, IngressMessage, IngressRefusal, IngressResult, IngressScope } from './ingress-message';
import { outcomeScoresOf, type OutcomeScore } from './outcome-scores.reader';
import { EMPTY_PERSON_STATE, PersonStateRepository } from './person-state.repository';
import { storableJson, storableText } from './safe-text';

/** Options of {@link IngressPipeline.process}. */
export interface ProcessOptions extends EnvelopeOptions {
  /** The time agreements and consents are judged at; default now. */
  readonly now?: Date;
}

/** The actor the person index records for links the hub makes. */
const HUB_ACTOR = 'hub';

/**
 * The hub's ingress pipeline (SPEC §4–§6) for one event, in the caller's transaction:
 * check the envelope → resolve the subject to a person → update the person's relationships and
 * consents → decide for every candidate recipient → queue one redacted copy per delivery (outbox)
 * → audit every decision (last, just before the caller commits). A refused event changes no state
 * and is recorded (`ingress_refusal` and a `refusal-at-ingress` audit record); the caller
 * dead-letters it. Partner input never makes it throw; a database failure does (retry).
 */
@Injectable()
export class IngressPipeline {
  private readonly states = new PersonStateRepository();
  private readonly trustedKinds: ReadonlySet<string>;

  constructor(
    @Inject(HubPolicy) private readonly policy: HubPolicy,
    @Inject(PersonIndex) private readonly persons: PersonIndex,
    @Inject(APP_CONFIG) private readonly config: HubConfig,
    @Inject(INGRESS_METRICS) private readonly metrics: IngressMetrics,
    @Inject(IngressObservers) private readonly observers: IngressObservers,
  ) {
    this.trustedKinds = new Set(config.IDENTITY_TRUSTED_KINDS.split(',').filter(Boolean));
  }

  /**
   * True when events of this sender kind may link identifiers and merge persons (config
   * `IDENTITY_TRUSTED_KINDS`); the hub's own events are built from persons it already resolved.
   */
  isTrusted(kind: PartnerKind | 'hub'): boolean {
    return kind === 'hub' || this.trustedKinds.has(kind);
  }

  /** Runs the pipeline for one event; see the class comment and {@link ProcessOptions}. */
  async process(scope: IngressScope, message: IngressMessage, options: ProcessOptions = {}): Promise<IngressResult> {
    const now = options.now ?? new Date();
    const started = process.hrtime.bigint();
    this.metrics.eventIn(message.type, routingKeyPartner(message.routingKey));
    try {
      const result = await this.run(scope, message, now, options);
      if (result.kind === 'refused')
        this.metrics.refused(message.type, routingKeyPartner(message.routingKey), 'ingress');
      else {
        for (const each of result.recipients) {
          if (each.decision === 'deliver') this.metrics.delivered(result.eventType, each.recipient);
          else this.metrics.refused(result.eventType, each.recipient, 'recipient');
        }
      }
      return result;
    } finally {
      this.metrics.processed(message.type, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private async run(
    scope: IngressScope,
    message: IngressMessage,
    now: Date,
    options: EnvelopeOptions,
  ): Promise<IngressResult> {
    const checked = checkEnvelope(message, this.policy, options);
    if (checked.kind === 'refused') return this.refuse(scope, message, checked);
    const patient = patientOf(checked.bundle);
    if (!patient) {
      return this.refuse(
        scope,
        message,
        refusal('no-subject', 'The message Bundle has no Patient.', {
          severity: 'error',
          code: 'required',
          diagnostics: 'Every event is about a person: the Bundle needs a Patient entry.',
          expression: ['Bundle.entry'],
        }),
      );
    }
    const resolved = await this.persons.resolve(
      subjectOf(patient),
      { sourceEventId: message.eventId, trusted: this.isTrusted(checked.sender.kind), actor: HUB_ACTOR },
      scope.manager,
    );
    if (!resolved.ok)
      return this.refuse(scope, message, {
        kind: 'refused',
        code: 'identity-unresolved',
        reason: 'The subject has no valid strong identifier.',
        outcome: resolved.outcome,
      });
    return this.accept(scope, message, checked, { ...resolved, patient }, now);
  }

  private async accept(
    scope: IngressScope,
    message: IngressMessage,
    checked: CheckedEnvelope,
    subject: ResolvedSubject,
    now: Date,
  ): Promise<IngressAccepted> {
    const { eventType, sender, bundle } = checked;
    const { personId, patient } = subject;
    const { partners, agreements } = this.policy;
    const event: PolicyEvent = { eventType, bundle };
    // A person the index has just created has no state yet: nothing to read.
    const before =
      subject.isNew && subject.merged.length === 0
        ? EMPTY_PERSON_STATE
        : await this.states.loadForUpdate(scope, personId, subject.merged);
    // Restriction, connections and consents first: every later event of the person, from any sender, is judged on them.
    const restriction = updateRestriction(before.restriction, { eventType, eventId: message.eventId }, sender, patient);
    const restricted = restriction.level !== undefined;
    const relationships = updateRelationships(before.relationships, event, sender, partners);
    const consent = updateConsent(before.consent, event, sender, partners, { eventId: message.eventId });
    const scores = outcomeScoresOf(bundle);
    if (scores.length > 0) await this.keepScores(scope, message.eventId, personId, sender.id, scores);

    const decisions = recipientsFor({
      bundle,
      eventType,
      sender,
      partners,
      agreements,
      consent,
      relationships,
      now,
      restricted,
      knownIdentifiers: subject.identifiers,
    });
    // Roles that end with this event (a requirement terminated) end once it is delivered.
    const after = endRelationships(relationships, event, sender, partners);
    await this.states.save(
      scope,
      personId,
      storableJson({ relationships: after, consent, restriction }),
      message.eventId,
    );
    const partitionKey = this.persons.partitionKey(personId, this.config.PARTITION_KEY_SECRET);
    const deliveries: OutgoingMessage[] = decisions.flatMap(({ recipient, decision }) =>
      decision.decision === 'deliver'
        ? [this.delivery(message, eventType, recipient.id, decision.bundle, partitionKey)]
        : [],
    );
    if (deliveries.length > 0) await scope.publish(...deliveries);
    await this.observers.accepted(scope, {
      eventId: message.eventId,
      eventType,
      sender,
      personId,
      newPerson: subject.isNew,
      bundle,
      patient,
      restricted,
      decisions,
      now,
    });

    const warnings = [...checked.warnings, ...subject.issues, ...partyWarnings(bundle, sender, partners)];
    const context: DecisionContext = {
      eventId: message.eventId,
      eventType,
      sender: sender.id,
      personIdentifiers: auditIdentifiers(patient, subject.identifiers),
      notes: [
        ...(restricted ? [restrictionNote(restriction)] : []),
        ...warnings
          .filter((issue) => issue.severity === 'warning')
          .map((issue) => `Warning: ${issue.diagnostics ?? issue.code}`),
      ],
    };
    const records: AuditRecordInput[] = decisions.map((each) => decisionRecord(context, each));
    if (records.length === 0)
      records.push(keptByHubRecord(context, keptWhat(consent !== before.consent, scores.length)));
    await scope.appendAudit(records);
    return {
      kind: 'accepted',
      eventType,
      sender: sender.id,
      personId,
      recipients: decisions.map(({ recipient, decision }) => ({
        recipient: recipient.id,
        decision: decision.decision,
        ...(decision.decision === 'refuse' ? { rule: decision.rule } : {}),
      })),
      outcome: operationOutcomeOf(warnings),
    };
  }

  private delivery(
    message: IngressMessage,
    eventType: string,
    recipientId: string,
    bundle: Bundle,
    partitionKey: string,
  ): OutgoingMessage {
    return {
      exchange: DELIVERY_EXCHANGE,
      routingKey: deliveryRoutingKey(recipientId, eventType),
      eventId: message.eventId,
      type: eventType,
      body: encodeBody(bundle),
      correlationId: message.correlationId ?? message.eventId,
      traceparent: childTraceparent(message.traceparent),
      headers: { [AmqpHeaders.partitionKey]: partitionKey },
    };
  }

  /** Keeps outcome scores for the hub's reporting (a redelivered event finds them stored already). */
  private async keepScores(
    scope: IngressScope,
    eventId: string,
    personId: string,
    senderId: string,
    scores: readonly OutcomeScore[],
  ): Promise<void> {
    await scope.manager.query(
      `INSERT INTO hub_outcome_score (event_id, ordinal, person_id, sender, instrument, score, effective, stage)
       SELECT $1, ordinal, $2, $3, instrument, score, effective, stage
       FROM unnest($4::text[], $5::numeric[], $6::text[], $7::text[]) WITH ORDINALITY AS s(instrument, score, effective, stage, ordinal)
       ON CONFLICT (event_id, ordinal) DO NOTHING`,
      [
        eventId,
        personId,
        senderId,
        scores.map((each) => storableText(each.instrument, 100)),
        scores.map((each) => each.score),
        scores.map((each) => (each.effective === null ? null : storableText(each.effective, 100))),
        scores.map((each) => (each.stage === null ? null : storableText(each.stage, 100))),
      ],
    );
  }

  /** Records a refusal at ingress (table and audit) in the caller's transaction. */
  private async refuse(scope: IngressScope, message: IngressMessage, refused: IngressRefusal): Promise<IngressRefusal> {
    const outcome = storableJson(refused.outcome);
    await scope.manager.query(
      `INSERT INTO ingress_refusal (event_id, event_type, sender, code, reason, outcome) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (event_id) DO NOTHING`,
      [
        message.eventId,
        storableText(message.type, 200),
        storableText(routingKeyPartner(message.routingKey), 200),
        refused.code,
        storableText(refused.reason, 1000),
        JSON.stringify(outcome),
      ],
    );
    await scope.appendAudit([
      ingressRefusalRecord(message, refused, this.policy, identifiersOf(patientOf(message.body))),
    ]);
    return refused;
  }
}

/** The subject of an accepted event: the person index's answer and the event's Patient. */
interface ResolvedSubject {
  readonly personId: string;
  /** The person index created the person for this event. */
  readonly isNew: boolean;
  /** Persons merged into it by this event. */
  readonly merged: readonly string[];
  /** Every strong identifier the person index knows for the person. */
  readonly identifiers: readonly { readonly system: string; readonly value: string }[];
  /** Warnings of the identity resolution (identifiers ignored, unknown systems). */
  readonly issues: readonly OperationOutcomeIssue[];
  readonly patient: Patient;
}

/**
 * The identifiers an audit record files the event under: those the sender sent and every other
 * the person index knows, so that the person's timeline finds the record by any of them.
 */
function auditIdentifiers(
  patient: Patient,
  known: readonly { readonly system: string; readonly value: string }[],
): AuditPersonIdentifier[] {
  const sent = identifiersOf(patient);
  const keys = new Set(sent.map(({ system, value }) => `${system}|${value}`));
  return [
    ...sent,
    ...known
      .filter(({ system, value }) => !keys.has(`${system}|${value}`))
      .map(({ system, value }) => ({ system, value })),
  ];
}

/** What an audit record says of a restricted person. */
function restrictionNote(restriction: RestrictionState): string {
  const level = restriction.level === 'V' ? 'very restricted (PDS label V)' : 'restricted (PDS label R)';
  const since = restriction.setBy
    ? ` since event ${restriction.setBy}${restriction.setBySender ? ` from ${restriction.setBySender}` : ''}`
    : '';
  return `Restriction applied: the person is ${level}${since}; address, telecom and GP are withheld from every recipient.`;
}

/** What the hub kept of an event nobody else receives, for its audit record. */
function keptWhat(consentChanged: boolean, scores: number): string {
  return [
    'relationships',
    ...(consentChanged ? ['consent'] : []),
    ...(scores > 0 ? [`${scores} outcome score(s) for reporting`] : []),
  ].join(', ');
}

/** The person index subject of a Patient: identifiers, name and birth date. */
export function subjectOf(patient: Patient): PersonSubject {
  const name = Array.isArray(patient.name) ? patient.name[0] : undefined;
  return {
    identifiers: (Array.isArray(patient.identifier) ? patient.identifier : []).map((identifier) => ({
      system: String(identifier?.system ?? ''),
      value: String(identifier?.value ?? ''),
    })),
    ...(typeof name?.family === 'string' ? { family: name.family } : {}),
    ...(Array.isArray(name?.given) ? { given: name.given.filter((given) => typeof given === 'string') } : {}),
    ...(typeof patient.birthDate === 'string' ? { birthDate: patient.birthDate } : {}),
  };
}

/** The valid strong identifiers of a Patient (normalised), for audit records; none for anything else. */
export function identifiersOf(patient: Patient | undefined): AuditPersonIdentifier[] {
  if (!patient) return [];
  return readSubjectIdentifiers(patient.identifier).valid.map(({ system, value }) => ({ system, value }));
}
