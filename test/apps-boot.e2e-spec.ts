import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { randomUUID } from 'node:crypto';
import {
  AmqpHeaders,
  DELIVERY_EXCHANGE,
  deadLetterQueue,
  deliveryRoutingKey,
  partnerInboxQueue,
} from '@cstr/contracts';
import { AmqpConnection, ConfirmedPublisher, encodeBody } from '@cstr/messaging';
import { AppDefinition, BaseAppConfig, createApp } from '@cstr/platform';
import { BrokerFixture, eventually, testEnvironment, uniqueName } from '@cstr/testing';
import { gpRegistrationAdapterApp } from '../apps/gp-registration-adapter/src/gp-registration-adapter.app';
import { hmctsListingsAdapterApp } from '../apps/hmcts-listings-adapter/src/hmcts-listings-adapter.app';
import { hubApp } from '../apps/hub/src/hub.app';
import { ldAdapterApp } from '../apps/ld-adapter/src/ld-adapter.app';
import { ndeliusAdapterApp } from '../apps/ndelius-adapter/src/ndelius-adapter.app';
import { partnerSandboxApp } from '../apps/partner-sandbox/src/partner-sandbox.app';
import { secondaryCareAdapterApp } from '../apps/secondary-care-adapter/src/secondary-care-adapter.app';

/**
 * Every app boots with its own least-privilege broker user, connects to the broker and the
 * database, consumes its queue and answers GET /health — as `npm start` runs them.
 */
describe('every app boots against the real broker and database', () => {
  const env = testEnvironment();
  const opened: INestApplication[] = [];

  afterEach(async () => {
    for (const app of opened.splice(0)) await app.close();
  });

  async function boot<C extends BaseAppConfig>(
    definition: AppDefinition<C>,
    rabbitUrl: string,
    extra: Record<string, string> = {},
  ): Promise<INestApplication> {
    const app = await createApp(definition, {
      RABBITMQ_URL: rabbitUrl,
      DATABASE_URL: env.databaseUrl,
      DATABASE_SCHEMA: uniqueName(definition.name.replace(/-/g, '_')),
      HTTP_PORT: '0',
      LOG_LEVEL: 'warn',
      ...extra,
    });
    opened.push(app);
    return app;
  }

  it.each([
    ['hub', hubApp, true],
    ['partner-sandbox', partnerSandboxApp, false],
  ] as const)('%s answers GET /health with broker, database and consumer up', async (_, definition, consumes) => {
    const app = await boot(definition as unknown as AppDefinition<BaseAppConfig>, env.hubUrl);
    const expectedChecks = consumes
      ? { broker: 'up', database: 'up', consumer: 'up' }
      : { broker: 'up', database: 'up' };
    await eventually(
      async () => (await request(app.getHttpServer()).get('/health')).body as { checks?: unknown },
      (body) => JSON.stringify(body.checks) === JSON.stringify(expectedChecks),
      10_000,
    );
  });

  it.each([
    ['hmcts-listings-adapter', hmctsListingsAdapterApp, 'croydon-mc'],
    ['ld-adapter', ldAdapterApp, 'sl-liaison-diversion'],
    ['ndelius-adapter', ndeliusAdapterApp, 'nps-london-croydon'],
    ['secondary-care-adapter', secondaryCareAdapterApp, 'slam-mhtr'],
    ['gp-registration-adapter', gpRegistrationAdapterApp, 'pds-gp-registration'],
  ] as const)(
    '%s consumes its partner inbox with the partner own broker user and answers GET /health',
    async (_, definition, partnerId) => {
      const app = await boot(definition, env.partnerUrls[partnerId], { PARTNER_ID: partnerId });
      const response = await eventually(
        async () => request(app.getHttpServer()).get('/health'),
        (res) => res.status === 200 && (res.body as { checks: { consumer: string } }).checks.consumer === 'up',
        10_000,
      );
      expect(response.body).toMatchObject({
        status: 'pass',
        instance: `${definition.name}:${partnerId}`,
        checks: { broker: 'up', database: 'up', consumer: 'up' },
      });
    },
  );

  it('an adapter dead-letters a delivered event it has no handler for, with the reason, instead of dropping it', async () => {
    const partnerId = 'st-andrews-mhtr';
    await boot(secondaryCareAdapterApp, env.partnerUrls[partnerId], {
      PARTNER_ID: partnerId,
      RETRY_DELAYS_MS: '1000,5000,30000,120000,600000',
    });
    const connection = new AmqpConnection({ url: env.hubUrl, connectionName: 'apps-boot-test' });
    await connection.start();
    const publisher = new ConfirmedPublisher(connection);
    const eventId = randomUUID();
    await publisher.publish({
      exchange: DELIVERY_EXCHANGE,
      routingKey: deliveryRoutingKey(partnerId, 'court.hearing.listed'),
      eventId,
      type: 'court.hearing.listed',
      body: encodeBody({ resourceType: 'Bundle', type: 'message' }),
    });
    await publisher.close();
    await connection.close();
    const broker = await BrokerFixture.open(env.rabbitAdminUrl);
    try {
      const dlq = deadLetterQueue(partnerInboxQueue(partnerId));
      await eventually(
        () => broker.depth(dlq),
        (depth) => depth >= 1,
        15_000,
      );
      const dead = (await broker.drain(dlq)).find((message) => message.properties.messageId === eventId);
      expect(dead?.properties.headers?.[AmqpHeaders.failureCode]).toBe('no-handler');
    } finally {
      await broker.close();
    }
  });

  it('refuses to start when a key is wrong, naming it', async () => {
    await expect(createApp(hubApp, { RABBITMQ_URL: 'http://not-amqp', DATABASE_URL: env.databaseUrl })).rejects.toThrow(
      /RABBITMQ_URL: must be an amqp:\/\/ or amqps:\/\/ URL/,
    );
  });
});
