import * as amqp from 'amqplib';
import {
  BROKER_VHOST,
  DEFAULT_INGRESS_PARTITIONS,
  DELIVERY_EXCHANGE,
  HUB_INGRESS_QUEUE,
  HUB_INSTANCES_QUEUE,
  INGRESS_EXCHANGE,
  INGRESS_PARTITION_EXCHANGE,
  MAX_INGRESS_PARTITIONS,
  PARTNER_ID_PATTERN,
  RETRY_EXCHANGE,
  deadLetterQueue,
  deliveryBindingPattern,
  escapeForPermissionRegex,
  partnerInboxQueue,
  partnerRetryExchange,
  redeliverRoutingKey,
  retryQueue,
} from '@cstr/contracts';
import { connectAmqp } from '../connection/amqp-tls';
import { MessagingError } from '../messaging.errors';
import {
  type QueueDeclaration,
  type QueueTopologySpec,
  declareExchanges,
  declareHubInstancesQueue,
  declareIngressPartitionExchange,
  declareQueueTopology,
  ingressPartitionSpecs,
  queueDeclarations,
  retryExchangeOfSpec,
} from '../topology';

/** The broker user the hub application connects as. */
export const HUB_BROKER_USER = 'hub';

/** Where the broker is and who administers it. */
export interface BrokerProvisionerOptions {
  /** Base URL of the management HTTP API, e.g. `http://127.0.0.1:15672`. */
  readonly managementUrl: string;
  /** AMQP URL of an administrator (any vhost; `cstr` is used). Its credentials also authenticate the HTTP API. */
  readonly adminAmqpUrl: string;
}

/** What {@link BrokerProvisioner.provision} sets up. */
export interface ProvisionRequest {
  readonly partners: readonly { readonly id: string }[];
  /** Broker password of each partner's user, by partner id. */
  readonly passwords: Readonly<Record<string, string>>;
  readonly hubPassword: string;
  /** Back-off steps of every consumed queue (one delay queue each). */
  readonly retryDelaysMs: readonly number[];
  /**
   * Partitions of the hub's ingress (`hub.ingress.p0`…), the hub's `INGRESS_PARTITIONS`. Default
   * {@link DEFAULT_INGRESS_PARTITIONS}. Change it only with `hub.ingress` and the partitions empty:
   * persons move between partitions when their number changes.
   */
  readonly ingressPartitions?: number;
}

/** A user's permissions on the `cstr` vhost: regular (resource) and topic (routing key) permissions. */
export interface BrokerUserPermissions {
  readonly configure: string;
  readonly write: string;
  readonly read: string;
  readonly topic: readonly { readonly exchange: string; readonly write: string; readonly read: string }[];
}

/** The management API refused or failed a provisioning step. */
export class BrokerProvisioningError extends MessagingError {
  readonly code = 'broker-provisioning-failed';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

const NOTHING = '^$';

/**
 * Least-privilege permissions of a partner's broker user (SPEC §4):
 * - publish to `cstr.ingress` only with routing keys `<id>.…`, and to its own retry exchange
 *   (`cstr.retry.<id>`) only with keys of its own inbox's failure paths (`partner.<id>.inbox.…`:
 *   delay queues, redelivery, DLQ). Nothing on `cstr.retry`, the hub's: RabbitMQ does not check
 *   topic permissions on `CC`/`BCC` headers, so any write there could reach `hub.ingress.redeliver`
 *   or another inbox; on its own retry exchange only its own queues are bound;
 * - consume only its own inbox. `basic.consume` and `basic.get` need read on the queue and
 *   nothing else. Read also allows `queue.purge` of that inbox (RabbitMQ ties purge to read).
 *   A passive `checkQueue`/`checkExchange` needs no permission at all (verified on 3.10.8), so
 *   a partner can see whether another inbox exists and its message count, never its messages;
 * - declare, bind and delete nothing (configure `^$`). No read on `cstr.delivery`, so it cannot
 *   bind a queue to other partners' deliveries; no write on the default exchange, so it cannot
 *   route into any queue by name.
 *
 * The topic permission on `cstr.retry` says "no key at all", replacing what provisioning granted
 * before partners had an exchange of their own (regular write already refuses the exchange).
 */
export function partnerPermissions(partnerId: string): BrokerUserPermissions {
  assertPartnerId(partnerId);
  const inbox = partnerInboxQueue(partnerId);
  const retryExchange = partnerRetryExchange(partnerId);
  return {
    configure: NOTHING,
    write: `^(${escapeForPermissionRegex(INGRESS_EXCHANGE)}|${escapeForPermissionRegex(retryExchange)})$`,
    read: `^${escapeForPermissionRegex(inbox)}$`,
    topic: [
      { exchange: INGRESS_EXCHANGE, write: `^${escapeForPermissionRegex(partnerId)}\\.`, read: NOTHING },
      { exchange: retryExchange, write: `^${escapeForPermissionRegex(inbox)}\\.`, read: NOTHING },
      { exchange: RETRY_EXCHANGE, write: NOTHING, read: NOTHING },
    ],
  };
}

/**
 * Permissions of the hub's broker user: consume `hub.ingress` and drain its DLQ into the hub's
 * dead-letter table, deliver to any recipient through `cstr.delivery`, queue events partners
 * submit over HTTP (`POST /fhir/$process-message`) to `cstr.ingress` under the partner's routing
 * key, and send its own ingress failures and replays through `cstr.retry` (keys `hub.ingress.…`
 * only). It also drains every partner's inbox DLQ (`partner.<id>.inbox.dlq`, read only: not the
 * inbox itself), so that what a partner's adapter gave up on shows in `/dead-letters`, and may
 * send an operator's replay back to that inbox through the partner's retry exchange, under the
 * inbox's redeliver key only (`partner.<id>.inbox.redeliver` on `cstr.retry.<id>`). Its ingress
 * router republishes what `hub.ingress` receives to the partition exchange `cstr.ingress.partitions`,
 * which no partner may write to, and the hub consumes the partition queues `hub.ingress.p<k>`
 * (their retries go through `cstr.retry` under `hub.ingress.p<k>.…`, inside its `hub.ingress.`
 * keys), and it keeps a consumer on `hub.instances`, whose consumer count tells each instance how
 * many share the partitions. It declares nothing: provisioning owns the topology.
 */
export function hubPermissions(partnerIds: readonly string[] = []): BrokerUserPermissions {
  for (const id of partnerIds) assertPartnerId(id);
  const exact = (name: string): string => escapeForPermissionRegex(name);
  const readable = [
    exact(HUB_INGRESS_QUEUE),
    `${exact(HUB_INGRESS_QUEUE)}\\.p[0-9]+`,
    exact(deadLetterQueue(HUB_INGRESS_QUEUE)),
    exact(HUB_INSTANCES_QUEUE),
    ...partnerIds.map((id) => exact(deadLetterQueue(partnerInboxQueue(id)))),
  ];
  const writable = [
    DELIVERY_EXCHANGE,
    INGRESS_EXCHANGE,
    INGRESS_PARTITION_EXCHANGE,
    RETRY_EXCHANGE,
    ...partnerIds.map(partnerRetryExchange),
  ];
  return {
    configure: NOTHING,
    write: `^(${writable.map(exact).join('|')})$`,
    read: `^(${readable.join('|')})$`,
    topic: [
      { exchange: DELIVERY_EXCHANGE, write: '.*', read: NOTHING },
      { exchange: INGRESS_EXCHANGE, write: '.*', read: NOTHING },
      { exchange: RETRY_EXCHANGE, write: `^${exact(HUB_INGRESS_QUEUE)}\\.`, read: NOTHING },
      ...partnerIds.map((id) => ({
        exchange: partnerRetryExchange(id),
        write: `^${exact(redeliverRoutingKey(partnerInboxQueue(id)))}$`,
        read: NOTHING,
      })),
    ],
  };
}

/**
 * Sets up the `cstr` vhost of any RabbitMQ broker (local stack, docker compose, a user's own)
 * through its management HTTP API and an admin AMQP connection: vhost, exchanges, the hub's and
 * every partner's queues with their retry and dead-letter queues, and one least-privilege user
 * per partner plus the hub's. Idempotent: run it again after adding a partner or a password change.
 * Users of partners no longer listed are left alone (they may be in use; remove them by hand).
 */
export class BrokerProvisioner {
  private readonly admin: { username: string; password: string };

  constructor(private readonly options: BrokerProvisionerOptions) {
    const url = new URL(options.adminAmqpUrl);
    this.admin = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    if (!this.admin.username) throw new BrokerProvisioningError('adminAmqpUrl carries no user name');
  }

  /** Provisions vhost, topology, users and permissions (see the class description). */
  async provision(request: ProvisionRequest): Promise<void> {
    for (const { id } of request.partners) {
      assertPartnerId(id);
      if (id === HUB_BROKER_USER || id === this.admin.username) {
        throw new BrokerProvisioningError(
          `Partner id ${id} collides with the broker user of the hub or the administrator`,
        );
      }
      if (!request.passwords[id]) throw new BrokerProvisioningError(`No broker password given for partner ${id}`);
    }

    await this.api('PUT', `/api/vhosts/${encodeURIComponent(BROKER_VHOST)}`, {});
    await this.setPermissions(this.admin.username, { configure: '.*', write: '.*', read: '.*', topic: [] });
    await this.declareTopology(request);

    await this.putUser(HUB_BROKER_USER, request.hubPassword, hubPermissions(request.partners.map(({ id }) => id)));
    for (const { id } of request.partners) await this.putUser(id, request.passwords[id], partnerPermissions(id));
  }

  /** AMQP URL of `username` on the `cstr` vhost of this broker (same host, port and options as the admin URL). */
  userAmqpUrl(username: string, password: string): string {
    const url = new URL(this.options.adminAmqpUrl);
    url.username = encodeURIComponent(username);
    url.password = encodeURIComponent(password);
    url.pathname = `/${encodeURIComponent(BROKER_VHOST)}`;
    return url.toString();
  }

  /** AMQP URL of the administrator on the `cstr` vhost. */
  adminUrl(): string {
    return this.userAmqpUrl(this.admin.username, this.admin.password);
  }

  private async declareTopology(request: ProvisionRequest): Promise<void> {
    const retryDelaysMs = [...request.retryDelaysMs];
    const specs: QueueTopologySpec[] = [
      {
        queue: HUB_INGRESS_QUEUE,
        bindings: [{ exchange: INGRESS_EXCHANGE, pattern: '#' }],
        retryDelaysMs,
        // Several hub instances: one consumes at a time, so what one partner sends about one person stays in order.
        singleActiveConsumer: true,
      },
      ...ingressPartitionSpecs(ingressPartitionCount(request), retryDelaysMs),
      ...request.partners.map(({ id }) => ({
        queue: partnerInboxQueue(id),
        bindings: [{ exchange: DELIVERY_EXCHANGE, pattern: deliveryBindingPattern(id) }],
        retryDelaysMs,
      })),
    ];
    const connection = await connectAmqp(this.adminUrl());
    try {
      const channel = await connection.createChannel();
      await declareExchanges(channel);
      await declareHubInstancesQueue(channel);
      await channel.close();
      await this.declarePartitionExchange(connection);
      for (const spec of specs) {
        for (const declaration of queueDeclarations(spec)) await this.replaceIfInequivalent(connection, declaration);
        const specChannel = await connection.createChannel();
        await declareQueueTopology(specChannel, spec);
        await this.unbindFromSharedRetryExchange(specChannel, spec);
        await specChannel.close();
      }
    } finally {
      await connection.close().catch(() => undefined);
    }
  }

  /** The consistent-hash exchange needs its plugin: says so when the broker does not know the type. */
  private async declarePartitionExchange(connection: amqp.ChannelModel): Promise<void> {
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    try {
      await declareIngressPartitionExchange(channel);
    } catch (error) {
      throw new BrokerProvisioningError(
        `Could not declare ${INGRESS_PARTITION_EXCHANGE} (x-consistent-hash): enable the broker plugin ` +
          `rabbitmq_consistent_hash_exchange (config/rabbitmq-enabled-plugins). ${(error as Error).message}`,
      );
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /**
   * A queue declared before with other arguments (an inbox provisioned when every failure path went
   * through `cstr.retry`, a `hub.ingress` without single active consumer) cannot be re-declared:
   * RabbitMQ answers PRECONDITION_FAILED. An empty, unconsumed one is deleted so that it is
   * declared anew; one holding messages is left alone and provisioning stops, saying what to do.
   */
  private async replaceIfInequivalent(connection: amqp.ChannelModel, declaration: QueueDeclaration): Promise<void> {
    const path = `/api/queues/${encodeURIComponent(BROKER_VHOST)}/${encodeURIComponent(declaration.queue)}`;
    const existing = (await this.apiJson(path)) as { arguments?: Record<string, unknown> } | undefined;
    if (!existing) return;
    const differences = argumentDifferences(existing.arguments ?? {}, declaration.arguments);
    if (differences.length === 0) return;
    const channel = await connection.createChannel();
    try {
      // The management API's counts lag by a few seconds: ask the queue itself.
      const { messageCount, consumerCount } = await channel.checkQueue(declaration.queue);
      if (messageCount > 0 || consumerCount > 0) {
        throw new BrokerProvisioningError(
          `Queue ${declaration.queue} exists with other arguments (${differences.join('; ')}) and holds ` +
            `${messageCount} message(s) with ${consumerCount} consumer(s): it cannot be declared anew without losing them. ` +
            'Stop what publishes to it, let its consumer empty it (or move its messages elsewhere), stop the consumer, ' +
            'then provision again: an empty queue is deleted and declared with the new arguments.',
        );
      }
      await channel.deleteQueue(declaration.queue);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  /**
   * Bindings a partner inbox's queues had on `cstr.retry` before it had a retry exchange of its
   * own: removed, so that nothing published to `cstr.retry` reaches a partner's queues.
   */
  private async unbindFromSharedRetryExchange(channel: amqp.Channel, spec: QueueTopologySpec): Promise<void> {
    if (retryExchangeOfSpec(spec) === RETRY_EXCHANGE) return;
    const { queue } = spec;
    await channel.unbindQueue(queue, RETRY_EXCHANGE, redeliverRoutingKey(queue));
    for (const delayMs of new Set(spec.retryDelaysMs)) {
      await channel.unbindQueue(retryQueue(queue, delayMs), RETRY_EXCHANGE, retryQueue(queue, delayMs));
    }
    await channel.unbindQueue(deadLetterQueue(queue), RETRY_EXCHANGE, deadLetterQueue(queue));
  }

  /**
   * Topic permissions go in before the regular ones: a user with write on a topic exchange but
   * no topic permission for it may publish with any routing key, even for a moment.
   */
  private async putUser(username: string, password: string, permissions: BrokerUserPermissions): Promise<void> {
    await this.api('PUT', `/api/users/${encodeURIComponent(username)}`, { password, tags: '' });
    await this.setPermissions(username, permissions);
  }

  private async setPermissions(username: string, permissions: BrokerUserPermissions): Promise<void> {
    const path = `${encodeURIComponent(BROKER_VHOST)}/${encodeURIComponent(username)}`;
    for (const topic of permissions.topic) await this.api('PUT', `/api/topic-permissions/${path}`, topic);
    const { configure, write, read } = permissions;
    await this.api('PUT', `/api/permissions/${path}`, { configure, write, read });
  }

  /** GET `path` of the management API as JSON; undefined when it answers 404. */
  private async apiJson(path: string): Promise<unknown> {
    try {
      return JSON.parse(await this.api('GET', path)) as unknown;
    } catch (error) {
      if (error instanceof BrokerProvisioningError && error.status === 404) return undefined;
      throw error;
    }
  }

  private async api(method: string, path: string, body?: unknown): Promise<string> {
    const url = new URL(this.options.managementUrl.replace(/\/+$/, '') + path);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Basic ${Buffer.from(`${this.admin.username}:${this.admin.password}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
    } catch (error) {
      // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND…) is its cause.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new BrokerProvisioningError(`${method} ${url.pathname} failed: ${reason}`);
    }
    const text = await response.text();
    if (!response.ok) {
      throw new BrokerProvisioningError(
        `${method} ${url.pathname} answered ${response.status}: ${text.slice(0, 500)}`,
        response.status,
      );
    }
    return text;
  }
}

/** How two queue argument tables differ, one line per argument (empty when they are the same). */
export function argumentDifferences(
  existing: Readonly<Record<string, unknown>>,
  wanted: Readonly<Record<string, unknown>>,
): string[] {
  const names = [...new Set([...Object.keys(existing), ...Object.keys(wanted)])].sort();
  return names
    .filter((name) => JSON.stringify(existing[name]) !== JSON.stringify(wanted[name]))
    .map(
      (name) => `${name}: ${JSON.stringify(existing[name]) ?? 'unset'} → ${JSON.stringify(wanted[name]) ?? 'unset'}`,
    );
}

/** The partitions a request asks for, checked: a whole number from 1 to {@link MAX_INGRESS_PARTITIONS}. */
export function ingressPartitionCount(request: Pick<ProvisionRequest, 'ingressPartitions'>): number {
  const count = request.ingressPartitions ?? DEFAULT_INGRESS_PARTITIONS;
  if (!Number.isInteger(count) || count < 1 || count > MAX_INGRESS_PARTITIONS)
    throw new BrokerProvisioningError(`ingressPartitions must be a whole number from 1 to ${MAX_INGRESS_PARTITIONS}`);
  return count;
}

function assertPartnerId(partnerId: string): void {
  if (!PARTNER_ID_PATTERN.test(partnerId)) {
    throw new BrokerProvisioningError(
      `Invalid partner id ${JSON.stringify(partnerId)}: lower-case words joined by hyphens`,
    );
  }
}
