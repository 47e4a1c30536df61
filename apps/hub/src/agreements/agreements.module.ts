import { readFileSync } from 'node:fs';
import { Inject, Logger, Module, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cstr/audit';
import { safeErrorText } from '@cstr/contracts';
import { APP_CONFIG } from '@cstr/platform';
import { AuthModule } from '../auth/auth.module';
import { HubPolicy } from '../core/hub-policy';
import type { HubConfig } from '../hub.config';
import { AgreementChangesController } from './agreement-changes.controller';
import { AgreementChanges } from './agreement-changes.service';
import { AgreementRegisterController } from './agreement-register.controller';
import { AgreementStore } from './agreement.store';

/**
 * How often each hub looks for a change made by another hub (the store's revision) and for an
 * approved version whose start date has come. A change made through this hub applies at once.
 */
export const AGREEMENT_POLL_MS = 2_000;

/**
 * Agreement change control (issue 14): at start the hub imports the configured agreement files
 * it does not hold yet and enforces the versions in force of its store; IG leads propose, and a
 * second IG lead approves, new versions over HTTP and in the console; the public register lists
 * what is in force. Each hub polls the store, so a change reaches every hub without a restart.
 */
@Module({
  imports: [AuthModule],
  controllers: [AgreementChangesController, AgreementRegisterController],
  providers: [
    {
      provide: AgreementStore,
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => new AgreementStore(dataSource),
    },
    {
      provide: AgreementChanges,
      inject: [AgreementStore, HubPolicy, AuditLog, APP_CONFIG],
      useFactory: (store: AgreementStore, policy: HubPolicy, audit: AuditLog, config: HubConfig) =>
        new AgreementChanges(store, policy, audit, { production: config.NODE_ENV === 'production' }),
    },
  ],
  exports: [AgreementChanges],
})
export class AgreementsModule implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Agreements');
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    @Inject(AgreementChanges) private readonly changes: AgreementChanges,
    @Inject(HubPolicy) private readonly policy: HubPolicy,
  ) {}

  /** Before the hub consumes: the configured files imported, the versions in force loaded. */
  async onModuleInit(): Promise<void> {
    const files = this.policy.configured.map((agreement) => ({
      agreement,
      text: agreement.file ? readFileSync(agreement.file, 'utf8') : '',
    }));
    for (const notice of await this.changes.importConfigured(files)) this.logger[notice.level](notice.message);
    this.timer = setInterval(() => {
      this.polling ??= this.poll().finally(() => (this.polling = undefined));
    }, AGREEMENT_POLL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
  }

  private async poll(): Promise<void> {
    try {
      await this.changes.takeEffectDue();
      if (await this.changes.refresh()) this.logger.log('Agreements in force reloaded from the store.');
    } catch (error) {
      // The store's own errors only: no personal data. The next tick tries again.
      this.logger.warn(`Agreement store poll failed: ${safeErrorText(error)}`);
    }
  }
}
