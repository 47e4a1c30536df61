import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { AUDIT_ALERT_REASONS, type AuditAlertReason } from '@cstr/audit';

/** What the ingress pipeline reports; {@link HubMetrics} backs it with Prometheus metrics. */
export interface IngressMetrics {
  /** An event arrived from `partner` (the routing key's partner id; `unknown` when there is none). */
  eventIn(type: string, partner: string): void;
  /** A copy of the event was queued for delivery to `recipient`. */
  delivered(type: string, recipient: string): void;
  /**
   * The event was refused: at ingress (`partner` is the sender), or for one recipient (`partner`
   * is the recipient).
   */
  refused(type: string, partner: string, stage: 'ingress' | 'recipient'): void;
  /** How long the pipeline took for one event, in seconds. */
  processed(type: string, seconds: number): void;
}

/** Event types outside the catalogue are counted under one label, so junk cannot grow the series. */
export const UNKNOWN_LABEL = 'unknown';

/**
 * The hub's Prometheus registry and its ingress metrics. The HTTP API serves
 * `registry.metrics()` at `GET /metrics` and may register more metrics (DLQ depth) on `registry`.
 */
export class HubMetrics implements IngressMetrics {
  readonly registry = new Registry();
  private readonly eventsIn: Counter<'type' | 'partner'>;
  private readonly eventsDelivered: Counter<'type' | 'partner'>;
  private readonly eventsRefused: Counter<'type' | 'partner' | 'stage'>;
  private readonly latency: Histogram<'type'>;
  private readonly auditAlerts: Counter<'reason'>;
  private readonly auditCheckpointSeq: Gauge;
  private readonly auditCheckpointTime: Gauge;
  private readonly partnerLastEvent: Gauge<'partner'>;
  private readonly validations: Counter<'partner' | 'result'>;
  private readonly auditVerifyOk: Gauge;
  private readonly auditVerifyTime: Gauge;

  /** `label` maps an event type or partner id to a bounded label value (see {@link UNKNOWN_LABEL}). */
  constructor(
    private readonly knownType: (type: string) => boolean,
    private readonly knownPartner: (partner: string) => boolean,
    options: { readonly defaultMetrics?: boolean } = {},
  ) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.eventsIn = new Counter({
      name: 'cstr_hub_events_in_total',
      help: 'Events received on hub.ingress, by event type and sending partner.',
      labelNames: ['type', 'partner'],
      registers: [this.registry],
    });
    this.eventsDelivered = new Counter({
      name: 'cstr_hub_events_delivered_total',
      help: 'Copies queued for delivery, by event type and recipient.',
      labelNames: ['type', 'partner'],
      registers: [this.registry],
    });
    this.eventsRefused = new Counter({
      name: 'cstr_hub_events_refused_total',
      help: 'Refusals, by event type, partner (the sender at ingress, else the recipient) and stage (ingress or recipient).',
      labelNames: ['type', 'partner', 'stage'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'cstr_hub_ingress_processing_seconds',
      help: 'Time the ingress pipeline took per event, from parse to the end of its transaction work.',
      labelNames: ['type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [this.registry],
    });
    this.auditAlerts = new Counter({
      name: 'cstr_hub_audit_alerts_total',
      help: 'Signs that the audit chain was tampered with or cannot be checkpointed, by reason (an append refused on a head moved without the key, a head behind its checkpoint, a checkpoint not written). Alert on any increase.',
      labelNames: ['reason'],
      registers: [this.registry],
    });
    // Every reason from 0, so that an alert rule sees the first increase.
    for (const reason of AUDIT_ALERT_REASONS) this.auditAlerts.inc({ reason }, 0);
    this.auditCheckpointSeq = new Gauge({
      name: 'cstr_hub_audit_checkpoint_seq',
      help: 'Seq of chain main in the latest audit checkpoint (of every chain) this instance wrote or found.',
      registers: [this.registry],
    });
    this.auditCheckpointTime = new Gauge({
      name: 'cstr_hub_audit_checkpoint_timestamp_seconds',
      help: 'When the latest audit checkpoint this instance wrote or found was taken (Unix time).',
      registers: [this.registry],
    });
    this.partnerLastEvent = new Gauge({
      name: 'cstr_hub_partner_last_event_timestamp_seconds',
      help: 'When this instance last received an event from each partner on hub.ingress (Unix time); for "partner silent" alerts.',
      labelNames: ['partner'],
      registers: [this.registry],
    });
    this.validations = new Counter({
      name: 'cstr_hub_bundle_validations_total',
      help: 'Messages partners checked with POST /fhir/Bundle/$validate (never delivered nor stored), by partner and result (valid: no error issue).',
      labelNames: ['partner', 'result'],
      registers: [this.registry],
    });
    // Registered at the first verification: before it, there is no verdict to report (not a 0).
    this.auditVerifyOk = new Gauge({
      name: 'cstr_hub_audit_verify_ok',
      help: "1 when this instance's latest scheduled verification of the audit chain passed, 0 when it found a break.",
      registers: [],
    });
    this.auditVerifyTime = new Gauge({
      name: 'cstr_hub_audit_verify_timestamp_seconds',
      help: 'When the latest scheduled verification of the audit chain finished (Unix time).',
      registers: [],
    });
  }

  /** The audit raised an alert (see {@link AuditAlertReason}). */
  auditAlert(reason: AuditAlertReason): void {
    this.auditAlerts.inc({ reason });
  }

  /** The latest checkpoint of the audit heads saw chain `main` at `seq`, and was taken at `at`. */
  auditCheckpoint(seq: number, at: string): void {
    this.auditCheckpointSeq.set(seq);
    this.auditCheckpointTime.set(Date.parse(at) / 1000);
  }

  eventIn(type: string, partner: string): void {
    this.eventsIn.inc({ type: this.type(type), partner: this.partner(partner) });
    if (this.knownPartner(partner)) this.partnerLastEvent.set({ partner }, Date.now() / 1000);
  }

  /** A partner checked a message with `$validate`; `valid` when the answer held no error. */
  validated(partner: string, valid: boolean): void {
    this.validations.inc({ partner: this.partner(partner), result: valid ? 'valid' : 'invalid' });
  }

  /** A scheduled verification of the audit chain finished at `at` (intact or broken). */
  auditVerified(ok: boolean, at: Date): void {
    if (!this.registry.getSingleMetric('cstr_hub_audit_verify_ok')) {
      this.registry.registerMetric(this.auditVerifyOk);
      this.registry.registerMetric(this.auditVerifyTime);
    }
    this.auditVerifyOk.set(ok ? 1 : 0);
    this.auditVerifyTime.set(at.getTime() / 1000);
  }

  delivered(type: string, recipient: string): void {
    this.eventsDelivered.inc({ type: this.type(type), partner: this.partner(recipient) });
  }

  refused(type: string, partner: string, stage: 'ingress' | 'recipient'): void {
    this.eventsRefused.inc({ type: this.type(type), partner: this.partner(partner), stage });
  }

  processed(type: string, seconds: number): void {
    this.latency.observe({ type: this.type(type) }, seconds);
  }

  private type(type: string): string {
    return this.knownType(type) ? type : UNKNOWN_LABEL;
  }

  private partner(partner: string): string {
    return this.knownPartner(partner) ? partner : UNKNOWN_LABEL;
  }
}
