import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LocalRabbitMq, ensureRabbitMqInstalled } from './local-rabbitmq';
import type { LocalTlsFiles } from './local-tls';
import { waitUntil } from './processes';

/** The broker ports of a stack that a cluster's nodes derive theirs from (see {@link clusterNodePorts}). */
export interface BrokerPorts {
  readonly amqps: number;
  readonly amqp: number;
  readonly management: number;
  readonly dist: number;
  readonly epmd: number;
}

/** Options of {@link LocalRabbitMqCluster}. */
export interface LocalRabbitMqClusterOptions {
  /** Folder of the cluster: its cookie, its administrator's password and a folder per node (`node-1`…). */
  readonly dataDir: string;
  /** Number of nodes (at least 2). */
  readonly size: number;
  /** The stack's broker ports: the first node's; the others' follow them (see {@link clusterNodePorts}). */
  readonly ports: BrokerPorts;
  /** The CA and server certificate every node serves (the stack's). */
  readonly tls: LocalTlsFiles;
  /** AMQP in clear too, on each node's `amqp` port. Default false. */
  readonly plainAmqp?: boolean;
}

/**
 * The ports of node `index` (0-based) of a stack's cluster, within the stack's own block: the
 * AMQPS and plain AMQP ports interleave from the stack's (5681, 5682; 5683, 5684; …), management
 * and distribution count up from the stack's (15682, 15683, …; 25682, 25683, …), and every node
 * registers with the one epmd on the stack's epmd port (nodes find each other there).
 */
export function clusterNodePorts(ports: BrokerPorts, index: number): BrokerPorts {
  return {
    amqps: ports.amqps + 2 * index,
    amqp: ports.amqp + 2 * index,
    management: ports.management + index,
    dist: ports.dist + index,
    epmd: ports.epmd,
  };
}

/**
 * A RabbitMQ cluster of `size` {@link LocalRabbitMq} nodes on loopback: distinct node names
 * (`cstr-<amqp port>@localhost`), ports of their own ({@link clusterNodePorts}), one Erlang cookie
 * and one administrator for the cluster, the same TLS set-up as a single node. The first start
 * boots every node and joins the others to the first (`rabbitmqctl join_cluster`); later starts
 * boot them together (a clustered node waits for its peers) and find them joined. Every new quorum
 * queue gets a replica on each node (`quorum_cluster_size`), so queues must be declared once the
 * cluster has formed: {@link start} resolves only then.
 */
export class LocalRabbitMqCluster {
  readonly dataDir: string;
  readonly nodes: readonly LocalRabbitMq[];
  /** Milliseconds the last {@link start} took (0 when every node was already running and joined). */
  lastBootMs = 0;

  constructor(private readonly options: LocalRabbitMqClusterOptions) {
    if (!Number.isInteger(options.size) || options.size < 2)
      throw new Error(`A cluster needs at least 2 nodes, not ${options.size}`);
    this.dataDir = resolve(options.dataDir);
    const indexes = Array.from({ length: options.size }, (_, index) => index);
    const nodeNames = indexes.map((index) => `cstr-${clusterNodePorts(options.ports, index).amqp}@localhost`);
    const firstNodeDir = this.nodeDir(0);
    this.nodes = indexes.map((index) => {
      const ports = clusterNodePorts(options.ports, index);
      return new LocalRabbitMq({
        dataDir: this.nodeDir(index),
        nodeName: nodeNames[index],
        amqpsPort: ports.amqps,
        amqpPort: ports.amqp,
        plainAmqp: options.plainAmqp,
        tls: options.tls,
        managementPort: ports.management,
        distPort: ports.dist,
        epmdPort: ports.epmd,
        cluster: {
          nodeNames,
          erlangCookieFile: this.cookieFile,
          adminPasswordFile: join(this.dataDir, 'admin-password'),
          epmdOwnerDataDir: firstNodeDir,
          quorumSize: options.size,
        },
      });
    });
  }

  /**
   * Starts every node (reusing those already running), joins any node not yet a member to the
   * first, and resolves once every node runs in the cluster and answers. A start that fails stops
   * what it started.
   */
  async start(): Promise<void> {
    const startedAt = Date.now();
    const runningBefore = this.nodes.every((node) => node.isRunning());
    mkdirSync(this.dataDir, { recursive: true, mode: 0o755 });
    for (const node of this.nodes) mkdirSync(node.dataDir, { recursive: true, mode: 0o755 });
    if (!existsSync(this.cookieFile))
      writeFileSync(this.cookieFile, randomBytes(20).toString('hex').toUpperCase(), { mode: 0o400 });
    this.nodes[0].adminCredentials(); // generated once, before any node's first boot
    try {
      await ensureRabbitMqInstalled(this.dataDir);
      await this.nodes[0].ensureEpmd();
      // Together: a node that was clustered waits for its peers before it finishes booting.
      await settleEach(this.nodes.map((node) => node.start()));
      const joined = await this.joinToFirst();
      await this.nodes[0].rabbitmqctl(['await_online_nodes', String(this.nodes.length), '--timeout', '60']);
      this.lastBootMs = runningBefore && joined === 0 ? 0 : Date.now() - startedAt;
    } catch (error) {
      if (!runningBefore) await this.stop().catch(() => undefined);
      throw error;
    }
  }

  /** Stops every node (data kept; the next start finds them clustered), then their epmd. */
  async stop(): Promise<void> {
    await settleEach(this.nodes.map((node) => node.stop()));
    await this.nodes[0].stopEpmd();
  }

  /** Whether every node's VM is alive. */
  isRunning(): boolean {
    return this.nodes.every((node) => node.isRunning());
  }

  /** The administrator's AMQP URL on the first node. */
  adminUrl(vhost = '/'): string {
    return this.nodes[0].adminUrl(vhost);
  }

  /** The first node's management API (it manages the whole cluster). */
  managementUrl(): string {
    return this.nodes[0].managementUrl();
  }

  /** Each node's AMQPS port, in node order. */
  amqpsPorts(): number[] {
    return this.nodes.map((node) => node.amqpsPort);
  }

  /** The names of the nodes running in the cluster, as the first node sees them. */
  async runningNodeNames(): Promise<string[]> {
    return (await clusterStatus(this.nodes[0])).running_nodes;
  }

  private get cookieFile(): string {
    return join(this.dataDir, '.erlang.cookie');
  }

  private nodeDir(index: number): string {
    return join(this.dataDir, `node-${index + 1}`);
  }

  /** Joins every node that is not yet a member to the first; returns how many it joined. */
  private async joinToFirst(): Promise<number> {
    const [first, ...others] = this.nodes;
    let joined = 0;
    for (const node of others) {
      if ((await clusterStatus(node)).disk_nodes.includes(first.nodeName)) continue;
      // A fresh node: its own one-node database is reset before it takes the cluster's.
      for (const step of [['stop_app'], ['reset'], ['join_cluster', first.nodeName], ['start_app']])
        await node.rabbitmqctl(step);
      await waitUntil(`RabbitMQ node ${node.nodeName} to answer after joining`, () => node.answers(), 60_000, 100);
      joined += 1;
    }
    return joined;
  }
}

interface ClusterStatus {
  readonly disk_nodes: string[];
  readonly running_nodes: string[];
}

async function clusterStatus(node: LocalRabbitMq): Promise<ClusterStatus> {
  const { stdout } = await node.rabbitmqctl(['cluster_status', '--formatter', 'json']);
  const status = JSON.parse(stdout) as Partial<ClusterStatus>;
  return { disk_nodes: status.disk_nodes ?? [], running_nodes: status.running_nodes ?? [] };
}

/** Waits for every promise to settle, then rejects with the failures (so nothing is still starting). */
async function settleEach(actions: readonly Promise<void>[]): Promise<void> {
  const failures = (await Promise.allSettled(actions))
    .filter((result): result is PromiseRejectedResult => result.status === 'rejected')
    .map((result) => (result.reason instanceof Error ? result.reason.message : String(result.reason)));
  if (failures.length > 0) throw new Error(failures.join('; '));
}
