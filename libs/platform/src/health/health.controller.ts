import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { AmqpConnection } from '@cstr/messaging';
import { operationOutcome } from '@cstr/contracts';
import type { BaseAppConfig } from '../config/base-app.config';
import { APP_CONFIG, APP_IDENTITY, AppIdentity } from '../platform.tokens';
import { TransportRegistry } from '../transport-registry';

type CheckStatus = 'up' | 'down';

/** `GET /health`: open to all; 200 when broker, database and consumer are up, else 503 with an OperationOutcome. */
@Controller('health')
export class HealthController {
  constructor(
    @Inject(AmqpConnection) private readonly connection: AmqpConnection,
    @Inject(DataSource) private readonly dataSource: DataSource,
    @Inject(APP_IDENTITY) private readonly identity: AppIdentity,
    @Inject(TransportRegistry) private readonly transports: TransportRegistry,
    @Inject(APP_CONFIG) private readonly config: BaseAppConfig,
  ) {}

  @Get()
  async health(@Res() response: Response): Promise<void> {
    const checks: Record<string, CheckStatus> = {
      broker: this.connection.isConnected() ? 'up' : 'down',
      database: (await this.databaseAnswers()) ? 'up' : 'down',
    };
    if (this.identity.queue) checks.consumer = this.transports.isConsuming() ? 'up' : 'down';
    const failing = Object.entries(checks).filter(([, status]) => status === 'down');
    // Whether this server speaks TLS itself; false: plain HTTP, for loopback or behind a TLS-terminating proxy.
    const tls = Boolean(this.config.HTTPS_CERT_FILE && this.config.HTTPS_KEY_FILE);
    if (failing.length === 0) {
      response
        .status(HttpStatus.OK)
        .json({ status: 'pass', app: this.identity.name, instance: this.identity.instance, tls, checks });
      return;
    }
    const outcome = operationOutcome(
      'error',
      'transient',
      `${this.identity.instance} is unhealthy: ${failing.map(([name]) => name).join(', ')} down`,
    );
    response
      .status(HttpStatus.SERVICE_UNAVAILABLE)
      .type('application/fhir+json')
      .json({ ...outcome, tls, checks });
  }

  private async databaseAnswers(): Promise<boolean> {
    try {
      await this.dataSource.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }
}
