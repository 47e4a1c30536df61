import { EventEmitter, once } from 'node:events';
import type * as amqp from 'amqplib';
import { AmqpConnection, brokerUrls } from './amqp-connection';
import { connectAmqp } from './amqp-tls';

jest.mock('./amqp-tls', () => ({ connectAmqp: jest.fn() }));

const connectMock = connectAmqp as jest.MockedFunction<typeof connectAmqp>;

/** A stand-in for amqplib's ChannelModel: closing it emits `close`, as a lost broker does. */
class FakeChannelModel extends EventEmitter {
  constructor(readonly url: string) {
    super();
  }
  close(): Promise<void> {
    this.emit('close');
    return Promise.resolve();
  }
}

const NODES = [
  'amqp://hub:secret@node-a:5671/cstr',
  'amqp://hub:secret@node-b:5672/cstr',
  'amqp://hub:secret@node-c:5673/cstr',
];

/** Brokers that refuse (by host name) until told otherwise; every attempt is recorded. */
function brokers(down: Set<string>): { attempts: string[]; open: Map<string, FakeChannelModel> } {
  const attempts: string[] = [];
  const open = new Map<string, FakeChannelModel>();
  connectMock.mockImplementation((url: string) => {
    const host = new URL(url).hostname;
    attempts.push(host);
    if (down.has(host)) return Promise.reject(new Error(`connect ECONNREFUSED ${host}`));
    const connection = new FakeChannelModel(url);
    open.set(host, connection);
    return Promise.resolve(connection as unknown as amqp.ChannelModel);
  });
  return { attempts, open };
}

describe('brokerUrls', () => {
  it('reads one URL, or several separated by commas, in order and without blanks', () => {
    expect(brokerUrls(NODES[0])).toEqual([NODES[0]]);
    expect(brokerUrls(` ${NODES[0]} ,${NODES[1]},, ${NODES[2]}`)).toEqual(NODES);
  });

  it('refuses a setting without a URL', () => {
    expect(() => brokerUrls(' , ')).toThrow(/No broker URL/);
  });
});

describe('AmqpConnection with several broker URLs', () => {
  const fast = { reconnectBaseMs: 1, reconnectMaxMs: 5, connectionName: 'test' };
  let connection: AmqpConnection | undefined;

  afterEach(async () => {
    await connection?.close();
    connection = undefined;
    connectMock.mockReset();
  });

  it('connects to the first address that answers, and shows it without the password', async () => {
    const { attempts } = brokers(new Set(['node-a']));
    connection = new AmqpConnection({ url: NODES.join(','), ...fast });
    await connection.start(1_000);
    expect(attempts).toEqual(['node-a', 'node-b']);
    expect(connection.connectedAddress).toBe('amqp://hub@node-b:5672/cstr');
    expect(connection.safeUrl).toBe(NODES.map((url) => url.replace(':secret', '')).join(','));
  });

  it('after losing a node, reconnects to the next one at once and runs the set-ups there', async () => {
    const { attempts, open } = brokers(new Set());
    connection = new AmqpConnection({ url: NODES.join(','), ...fast });
    const setUpOn: string[] = [];
    connection.onConnected((model) => void setUpOn.push((model as unknown as FakeChannelModel).url));
    await connection.start(1_000);
    const reconnected = once(connection, 'connected');
    open.get('node-a')?.emit('close');
    await reconnected;
    expect(attempts).toEqual(['node-a', 'node-b']);
    expect(connection.connectedAddress).toBe('amqp://hub@node-b:5672/cstr');
    expect(setUpOn).toEqual([NODES[0], NODES[1]]);
  });

  it('goes round every address, backing off between rounds, until one answers', async () => {
    const down = new Set(['node-a', 'node-b', 'node-c']);
    const { attempts } = brokers(down);
    connection = new AmqpConnection({ url: NODES.join(','), ...fast });
    const started = connection.start(2_000);
    while (attempts.length < 7) await new Promise((resolve) => setTimeout(resolve, 1));
    down.delete('node-c');
    await started;
    expect(attempts.slice(0, 7)).toEqual(['node-a', 'node-b', 'node-c', 'node-a', 'node-b', 'node-c', 'node-a']);
    expect(connection.connectedAddress).toBe('amqp://hub@node-c:5673/cstr');
  });

  it('keeps a single URL as before: the same address again after a loss', async () => {
    const { attempts, open } = brokers(new Set());
    connection = new AmqpConnection({ url: NODES[0], ...fast });
    await connection.start(1_000);
    const reconnected = once(connection, 'connected');
    open.get('node-a')?.emit('close');
    await reconnected;
    expect(attempts).toEqual(['node-a', 'node-a']);
    expect(connectMock.mock.calls[0][1]).not.toHaveProperty('timeoutMs');
  });

  it('refuses URLs that log in as different users (the broker checks every publish’s user)', () => {
    expect(() => new AmqpConnection({ url: `${NODES[0]},amqp://court:x@node-b/cstr`, ...fast })).toThrow(/same user/);
  });
});
