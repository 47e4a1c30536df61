import { Inject, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cstr/audit';
import { AmqpConnection } from '@cstr/messaging';
import { APP_CONFIG } from '@cstr/platform';
import { AuthModule } from '../auth/auth.module';
import { HubMetrics } from '../core/hub-metrics';
import { HubPolicy } from '../core/hub-policy';
import type { HubConfig } from '../hub.config';
import { deadLetterRecord } from './dead-letter-audit';
import { registerDeadLetterMetrics } from './dead-letter-metrics';
import { deadLetterProvenance } from './dead-letter-provenance';
import { DeadLetterQueues } from './dead-letter-queues';
import { DeadLetterReplayService } from './dead-letter-replay.service';
import { DeadLetterDrainer } from './dead-letter.drainer';
import { DeadLetterStore } from './dead-letter.store';
import { DeadLettersController } from './dead-letters.controller';

/** Dead letters: drained from the DLQs into `hub_dead_letter`, listed and replayed over HTTP, counted for `/metrics`. */
@Module({
  imports: [AuthModule],
  controllers: [DeadLettersController],
  providers: [
    {
      provide: DeadLetterQueues,
      inject: [HubPolicy],
      useFactory: (policy: HubPolicy) => new DeadLetterQueues(policy.partners.map((partner) => partner.id)),
    },
    {
      provide: DeadLetterStore,
      inject: [DataSource, DeadLetterQueues, AuditLog, HubPolicy, APP_CONFIG],
      useFactory: (
        dataSource: DataSource,
        queues: DeadLetterQueues,
        audit: AuditLog,
        policy: HubPolicy,
        config: HubConfig,
      ) =>
        new DeadLetterStore(
          dataSource,
          queues.partnerOf,
          (queue, raw) => deadLetterProvenance(queue, raw, queues, (id) => policy.partner(id) !== undefined),
          async (manager, queue, raw, provenance) => {
            const record = deadLetterRecord(queue, raw, provenance, config.MAX_MESSAGE_BYTES);
            if (record) await audit.append(manager, [record]);
          },
        ),
    },
    {
      provide: DeadLetterDrainer,
      inject: [AmqpConnection, DeadLetterStore, DeadLetterQueues],
      useFactory: (connection: AmqpConnection, store: DeadLetterStore, queues: DeadLetterQueues) =>
        new DeadLetterDrainer(connection, store, queues.drained),
    },
    DeadLetterReplayService,
  ],
  exports: [DeadLetterStore, DeadLetterDrainer, DeadLetterQueues],
})
export class DeadLettersModule implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(DeadLetterDrainer) private readonly drainer: DeadLetterDrainer,
    @Inject(DeadLetterStore) private readonly store: DeadLetterStore,
    @Inject(AmqpConnection) private readonly connection: AmqpConnection,
    @Inject(APP_CONFIG) private readonly config: HubConfig,
    @Inject(HubMetrics) metrics: HubMetrics,
    @Inject(DeadLetterQueues) queues: DeadLetterQueues,
  ) {
    registerDeadLetterMetrics(metrics.registry, {
      drained: queues.drained,
      pendingByQueue: () => this.store.pendingByQueue(),
      oldestPendingByQueue: () => this.store.oldestPendingByQueue(),
      brokerDepth: (queue) => this.queueDepth(queue),
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.DEAD_LETTER_DRAIN === 'on') this.drainer.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.drainer.stop();
  }

  /** The queue's depth by a passive declare on a short-lived channel; undefined when the broker does not answer. */
  private async queueDepth(queue: string): Promise<number | undefined> {
    if (!this.connection.isConnected()) return undefined;
    try {
      const connection = await this.connection.waitUntilConnected(1_000);
      const channel = await connection.createChannel();
      channel.on('error', () => undefined);
      try {
        return (await channel.checkQueue(queue)).messageCount;
      } finally {
        await channel.close().catch(() => undefined);
      }
    } catch {
      return undefined;
    }
  }
}
