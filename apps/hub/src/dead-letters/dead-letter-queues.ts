import { HUB_INGRESS_QUEUE, deadLetterQueue, partnerInboxQueue } from '@cstr/contracts';

/** The queues whose dead letters the hub keeps and may replay: its ingress and every partner's inbox. */
export class DeadLetterQueues {
  /** The queues dead letters are replayed to. */
  readonly replayable: ReadonlySet<string>;
  /** Their DLQs, which the hub drains (its broker user may read them: see hubPermissions). */
  readonly drained: readonly string[];
  private readonly partnerByDlq: ReadonlyMap<string, string>;

  constructor(partnerIds: readonly string[]) {
    this.replayable = new Set([HUB_INGRESS_QUEUE, ...partnerIds.map((id) => partnerInboxQueue(id))]);
    this.drained = [...this.replayable].map((queue) => deadLetterQueue(queue));
    this.partnerByDlq = new Map(partnerIds.map((id) => [deadLetterQueue(partnerInboxQueue(id)), id]));
  }

  /** The partner whose inbox a DLQ belongs to; null for the hub's own. */
  readonly partnerOf = (dlq: string): string | null => this.partnerByDlq.get(dlq) ?? null;

  /** The DLQ of a partner's inbox, if the partner is configured. */
  inboxDlqOf(partnerId: string): string | undefined {
    const dlq = deadLetterQueue(partnerInboxQueue(partnerId));
    return this.partnerByDlq.has(dlq) ? dlq : undefined;
  }
}
