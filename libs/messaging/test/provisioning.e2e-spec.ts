import { randomUUID } from 'node:crypto';
import {
  BROKER_VHOST,
  RETRY_EXCHANGE,
  deadLetterQueue,
  partnerInboxQueue,
  partnerRetryExchange,
  redeliverRoutingKey,
  retryQueue,
} from '@cstr/contracts';
import { BrokerProvisioner, DEFAULT_RETRY_DELAYS_MS } from '@cstr/messaging';
import { BrokerFixture, testEnvironment } from '@cstr/testing';

/**
 * Provisioning a broker set up before partner inboxes had retry exchanges of their own: an inbox
 * whose `x-dead-letter-exchange` is still `cstr.retry` cannot be re-declared (PRECONDITION_FAILED).
 * Provisioning deletes and re-declares it when it is empty, and stops, saying what to do, when it
 * holds messages.
 */
describe('provisioning a stack provisioned before per-partner retry exchanges (real broker)', () => {
  const env = testEnvironment();
  const adminUrl = new URL(env.rabbitAdminUrl);
  const auth = `Basic ${Buffer.from(`${decodeURIComponent(adminUrl.username)}:${decodeURIComponent(adminUrl.password)}`).toString('base64')}`;
  const provisioner = new BrokerProvisioner({
    managementUrl: env.rabbitManagementUrl,
    adminAmqpUrl: env.rabbitAdminUrl,
  });
  const passwordOf = (url: string): string => decodeURIComponent(new URL(url).password);
  const realPartners = Object.keys(env.partnerUrls);
  const legacy = `legacy-${randomUUID().slice(0, 8)}`;
  const inbox = partnerInboxQueue(legacy);
  const delays = [DEFAULT_RETRY_DELAYS_MS[0]];
  let broker: BrokerFixture;

  const request = (partners: readonly string[]) => ({
    partners: partners.map((id) => ({ id })),
    passwords: {
      ...Object.fromEntries(realPartners.map((id) => [id, passwordOf(env.partnerUrls[id])])),
      [legacy]: 'legacy-test-password',
    },
    hubPassword: passwordOf(env.hubUrl),
    retryDelaysMs: DEFAULT_RETRY_DELAYS_MS,
  });

  async function management(method: string, path: string): Promise<unknown> {
    const response = await fetch(`${env.rabbitManagementUrl}${path}`, { method, headers: { authorization: auth } });
    if (method === 'GET') return response.json();
    return undefined;
  }

  /** The inbox as the earlier provisioning declared it: every failure path on cstr.retry. */
  async function declareLegacyInbox(): Promise<void> {
    const legacyArguments = (deadLetterRoutingKey: string, extra: Record<string, unknown> = {}) => ({
      'x-queue-type': 'quorum',
      'x-dead-letter-exchange': RETRY_EXCHANGE,
      'x-dead-letter-routing-key': deadLetterRoutingKey,
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish',
      ...extra,
    });
    await broker.channel.assertQueue(inbox, {
      durable: true,
      arguments: legacyArguments(deadLetterQueue(inbox), { 'x-delivery-limit': 20 }),
    });
    await broker.channel.bindQueue(inbox, RETRY_EXCHANGE, redeliverRoutingKey(inbox));
    for (const delay of delays) {
      await broker.channel.assertQueue(retryQueue(inbox, delay), {
        durable: true,
        arguments: legacyArguments(redeliverRoutingKey(inbox), { 'x-message-ttl': delay }),
      });
      await broker.channel.bindQueue(retryQueue(inbox, delay), RETRY_EXCHANGE, retryQueue(inbox, delay));
    }
    await broker.channel.assertQueue(deadLetterQueue(inbox), {
      durable: true,
      arguments: { 'x-queue-type': 'quorum' },
    });
    await broker.channel.bindQueue(deadLetterQueue(inbox), RETRY_EXCHANGE, deadLetterQueue(inbox));
  }

  async function deleteLegacy(): Promise<void> {
    const queues = [inbox, deadLetterQueue(inbox), ...DEFAULT_RETRY_DELAYS_MS.map((delay) => retryQueue(inbox, delay))];
    for (const queue of queues) await broker.channel.deleteQueue(queue).catch(() => undefined);
  }

  beforeAll(async () => {
    broker = await BrokerFixture.open(env.rabbitAdminUrl);
  });

  afterAll(async () => {
    await deleteLegacy();
    await broker.channel.deleteExchange(partnerRetryExchange(legacy)).catch(() => undefined);
    await broker.close();
    await management('DELETE', `/api/users/${encodeURIComponent(legacy)}`);
    // The hub's permissions as before this test.
    await provisioner.provision(request(realPartners));
  });

  it('re-declares an empty legacy inbox on its own retry exchange and unbinds it from cstr.retry', async () => {
    await declareLegacyInbox();
    await provisioner.provision(request([...realPartners, legacy]));
    const queue = (await management('GET', `/api/queues/${BROKER_VHOST}/${encodeURIComponent(inbox)}`)) as {
      arguments: Record<string, unknown>;
    };
    expect(queue.arguments['x-dead-letter-exchange']).toBe(partnerRetryExchange(legacy));
    const onSharedRetry = (await management(
      'GET',
      `/api/exchanges/${BROKER_VHOST}/${encodeURIComponent(RETRY_EXCHANGE)}/bindings/source`,
    )) as { destination: string }[];
    expect(onSharedRetry.filter((binding) => binding.destination.startsWith(inbox))).toEqual([]);
    const onOwnRetry = (await management(
      'GET',
      `/api/exchanges/${BROKER_VHOST}/${encodeURIComponent(partnerRetryExchange(legacy))}/bindings/source`,
    )) as { destination: string; routing_key: string }[];
    expect(onOwnRetry.map((binding) => `${binding.destination} ${binding.routing_key}`).sort()).toEqual(
      [
        `${inbox} ${redeliverRoutingKey(inbox)}`,
        `${deadLetterQueue(inbox)} ${deadLetterQueue(inbox)}`,
        ...DEFAULT_RETRY_DELAYS_MS.map((delay) => `${retryQueue(inbox, delay)} ${retryQueue(inbox, delay)}`),
      ].sort(),
    );
  });

  it('leaves a legacy inbox that holds messages alone and says what to do', async () => {
    await deleteLegacy();
    await declareLegacyInbox();
    broker.channel.sendToQueue(inbox, Buffer.from('{}'), { messageId: randomUUID(), persistent: true });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await expect(provisioner.provision(request([...realPartners, legacy]))).rejects.toThrow(
      new RegExp(`Queue ${inbox.replace(/\./g, '\\.')} exists with other arguments .*holds 1 message.*provision again`),
    );
    expect(await broker.depth(inbox)).toBe(1);
  });
});
