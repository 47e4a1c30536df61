import { Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, projectPath } from '@cstr/platform';
import { HubPolicy } from '../core/hub-policy';
import type { HubConfig } from '../hub.config';
import { AuthGuard } from './auth.guard';
import { Authenticator } from './authenticator';
import { LoginThrottle } from './login-throttle';
import { PrincipalStore } from './principal-store';
import { loadPrincipalsFile } from './principals.loader';

/**
 * Authentication of the HTTP API: at boot, `hub_principal` is made to hold exactly the principals
 * of `PRINCIPALS_FILE` (a bad file stops the hub, naming file, line and reason); controllers use
 * {@link AuthGuard} with `@Roles(...)`.
 */
@Module({
  providers: [
    {
      provide: PrincipalStore,
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => new PrincipalStore(dataSource),
    },
    {
      provide: LoginThrottle,
      inject: [APP_CONFIG],
      useFactory: (config: HubConfig) =>
        new LoginThrottle({ maxFailures: config.LOGIN_MAX_FAILURES, windowMs: config.LOGIN_WINDOW_MS }),
    },
    {
      provide: Authenticator,
      inject: [PrincipalStore, LoginThrottle],
      useFactory: (store: PrincipalStore, throttle: LoginThrottle) => new Authenticator(store, throttle),
    },
    AuthGuard,
  ],
  exports: [Authenticator, AuthGuard],
})
export class AuthModule implements OnModuleInit {
  private readonly logger = new Logger(AuthModule.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: HubConfig,
    @Inject(HubPolicy) private readonly policy: HubPolicy,
    @Inject(PrincipalStore) private readonly store: PrincipalStore,
  ) {}

  async onModuleInit(): Promise<void> {
    const principals = loadPrincipalsFile(
      projectPath(this.config.PRINCIPALS_FILE),
      (id) => this.policy.partner(id) !== undefined,
    );
    await this.store.replaceAll(principals);
    this.logger.log(`${principals.length} principals loaded from ${this.config.PRINCIPALS_FILE}`);
  }
}
