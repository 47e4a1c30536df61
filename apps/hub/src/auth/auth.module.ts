import { Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { APP_CONFIG, projectPath } from '@cstr/platform';
import { HubPolicy } from '../core/hub-policy';
import { consoleCookieSecurity, type HubConfig } from '../hub.config';
import { AuthGuard } from './auth.guard';
import { Authenticator } from './authenticator';
import { ConsoleSessionStore } from './console-session.store';
import { ConsoleSessions } from './console-sessions';
import { LoginThrottles } from './login-throttle';
import { PrincipalStore } from './principal-store';
import { loadPrincipalsFile } from './principals.loader';
import { limitScrypt } from './secret-hash';

/**
 * Authentication of the HTTP API and the console: at boot, `hub_principal` is made to hold
 * exactly the principals of `PRINCIPALS_FILE` (a bad file stops the hub, naming file, line and
 * reason) and scrypt is capped (`LOGIN_HASH_CONCURRENCY`, `LOGIN_HASH_QUEUE`); controllers use
 * {@link AuthGuard} with `@Roles(...)` (HTTP Basic, or a console session).
 */
@Module({
  providers: [
    {
      provide: PrincipalStore,
      inject: [DataSource],
      useFactory: (dataSource: DataSource) => new PrincipalStore(dataSource),
    },
    {
      provide: LoginThrottles,
      inject: [APP_CONFIG],
      useFactory: (config: HubConfig) =>
        new LoginThrottles({
          maxFailuresPerId: config.LOGIN_MAX_FAILURES,
          maxFailuresPerAddress: config.LOGIN_MAX_FAILURES_PER_ADDRESS,
          windowMs: config.LOGIN_WINDOW_MS,
        }),
    },
    {
      provide: Authenticator,
      inject: [PrincipalStore, LoginThrottles],
      useFactory: (store: PrincipalStore, throttles: LoginThrottles) => new Authenticator(store, throttles),
    },
    {
      provide: ConsoleSessions,
      inject: [DataSource, Authenticator, APP_CONFIG],
      useFactory: (dataSource: DataSource, authenticator: Authenticator, config: HubConfig) => {
        const lifetimes = { idleMs: config.CONSOLE_SESSION_IDLE_MS, maxMs: config.CONSOLE_SESSION_MAX_MS };
        return new ConsoleSessions(new ConsoleSessionStore(dataSource, lifetimes), authenticator, {
          lifetimes,
          cookieSecurity: consoleCookieSecurity(config),
          publicOrigin: config.HUB_PUBLIC_ORIGIN,
        });
      },
    },
    AuthGuard,
  ],
  exports: [Authenticator, ConsoleSessions, AuthGuard],
})
export class AuthModule implements OnModuleInit {
  private readonly logger = new Logger(AuthModule.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: HubConfig,
    @Inject(HubPolicy) private readonly policy: HubPolicy,
    @Inject(PrincipalStore) private readonly store: PrincipalStore,
  ) {}

  async onModuleInit(): Promise<void> {
    limitScrypt(this.config.LOGIN_HASH_CONCURRENCY, this.config.LOGIN_HASH_QUEUE);
    const principals = loadPrincipalsFile(
      projectPath(this.config.PRINCIPALS_FILE),
      (id) => this.policy.partner(id) !== undefined,
    );
    await this.store.replaceAll(principals);
    this.logger.log(`${principals.length} principals loaded from ${this.config.PRINCIPALS_FILE}`);
  }
}
