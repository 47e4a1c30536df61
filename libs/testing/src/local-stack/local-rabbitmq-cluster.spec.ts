import { DEV_STACK_PORTS, TEST_STACK_PORTS } from './local-stack';
import { LocalRabbitMqCluster, clusterNodePorts } from './local-rabbitmq-cluster';
import { localTlsFiles } from './local-tls';

describe('clusterNodePorts', () => {
  const nodes = [0, 1, 2].map((index) => clusterNodePorts(DEV_STACK_PORTS, index));

  it('keeps the first node on the stack’s own ports', () => {
    const { postgres: _postgres, ...broker } = DEV_STACK_PORTS;
    expect(nodes[0]).toEqual(broker);
  });

  it('gives every node ports of its own, within the stack’s block (below the test stack’s), and one epmd', () => {
    const listeners = nodes.flatMap((ports) => [ports.amqps, ports.amqp, ports.management, ports.dist]);
    expect(new Set(listeners).size).toBe(listeners.length);
    for (const ports of nodes) {
      expect(ports.amqps).toBeLessThan(TEST_STACK_PORTS.amqps);
      expect(ports.amqp).toBeLessThan(TEST_STACK_PORTS.amqps);
      expect(ports.management).toBeLessThan(TEST_STACK_PORTS.management);
      expect(ports.dist).toBeLessThan(TEST_STACK_PORTS.dist);
      expect(ports.epmd).toBe(DEV_STACK_PORTS.epmd);
    }
  });
});

describe('LocalRabbitMqCluster', () => {
  const options = { dataDir: '/nonexistent/cluster', ports: DEV_STACK_PORTS, tls: localTlsFiles('/nonexistent/tls') };

  it('names each node after its AMQP port, in a folder of its own', () => {
    const cluster = new LocalRabbitMqCluster({ ...options, size: 3 });
    expect(cluster.nodes.map((node) => node.nodeName)).toEqual([
      'cstr-5682@localhost',
      'cstr-5684@localhost',
      'cstr-5686@localhost',
    ]);
    expect(cluster.nodes.map((node) => node.dataDir)).toEqual(
      ['node-1', 'node-2', 'node-3'].map((name) => `/nonexistent/cluster/${name}`),
    );
    expect(cluster.amqpsPorts()).toEqual([5681, 5683, 5685]);
  });

  it('refuses a cluster of one node (that is the single node)', () => {
    expect(() => new LocalRabbitMqCluster({ ...options, size: 1 })).toThrow(/at least 2 nodes/);
  });
});
