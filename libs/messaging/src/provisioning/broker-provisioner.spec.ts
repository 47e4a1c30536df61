import { ingressPartitionSpecs, queueDeclarations } from '../topology';
import { argumentDifferences, hubPermissions, ingressPartitionCount, partnerPermissions } from './broker-provisioner';

/** A RabbitMQ permission pattern as the broker applies it. */
function matches(pattern: string | undefined, name: string): boolean {
  return new RegExp(pattern ?? '^$').test(name);
}

describe('hubPermissions', () => {
  const permissions = hubPermissions(['nps-london-croydon', 'slam-mhtr']);
  const topicWrite = (exchange: string) => permissions.topic.find((topic) => topic.exchange === exchange)?.write;

  it("reads its own queue and DLQ and every partner's inbox DLQ, never a partner inbox", () => {
    for (const queue of [
      'hub.ingress',
      'hub.ingress.dlq',
      'hub.instances',
      'partner.nps-london-croydon.inbox.dlq',
      'partner.slam-mhtr.inbox.dlq',
    ])
      expect(matches(permissions.read, queue)).toBe(true);
    for (const queue of [
      'partner.nps-london-croydon.inbox',
      'partner.other.inbox.dlq',
      'partner.slam-mhtr.inbox.retry.1000ms',
      'hub.ingress.dlqx',
      'hub.ingress.p1.retry.1000ms',
      'hub.ingress.px',
    ])
      expect(matches(permissions.read, queue)).toBe(false);
  });

  it('consumes the ingress partitions and writes their consistent-hash exchange; partners do neither', () => {
    for (const queue of ['hub.ingress.p0', 'hub.ingress.p3', 'hub.ingress.p63'])
      expect(matches(permissions.read, queue)).toBe(true);
    expect(matches(permissions.write, 'cstr.ingress.partitions')).toBe(true);
    expect(matches(topicWrite('cstr.retry'), 'hub.ingress.p2.redeliver')).toBe(true);
    const partner = partnerPermissions('slam-mhtr');
    expect(matches(partner.write, 'cstr.ingress.partitions')).toBe(false);
    expect(matches(partner.read, 'hub.ingress.p0')).toBe(false);
  });

  it('writes cstr.retry only under hub.ingress keys', () => {
    for (const key of ['hub.ingress.retry.1000ms', 'hub.ingress.dlq', 'hub.ingress.redeliver'])
      expect(matches(topicWrite('cstr.retry'), key)).toBe(true);
    for (const key of ['partner.slam-mhtr.inbox.redeliver', 'partner.slam-mhtr.inbox.dlq', 'hub.ingressx.dlq'])
      expect(matches(topicWrite('cstr.retry'), key)).toBe(false);
  });

  it("sends a replay to a partner inbox only through that partner's retry exchange, under its redeliver key", () => {
    expect(matches(permissions.write, 'cstr.retry.slam-mhtr')).toBe(true);
    expect(matches(permissions.write, 'cstr.retry.other')).toBe(false);
    expect(matches(topicWrite('cstr.retry.slam-mhtr'), 'partner.slam-mhtr.inbox.redeliver')).toBe(true);
    for (const key of [
      'partner.slam-mhtr.inbox.dlq',
      'partner.slam-mhtr.inbox.retry.1000ms',
      'partner.nps-london-croydon.inbox.redeliver',
      'partner.slam-mhtr.inbox.redeliverx',
    ])
      expect(matches(topicWrite('cstr.retry.slam-mhtr'), key)).toBe(false);
  });

  it('without partners, keeps to its own queues', () => {
    expect(matches(hubPermissions().read, 'partner.slam-mhtr.inbox.dlq')).toBe(false);
    expect(matches(hubPermissions().write, 'cstr.retry.slam-mhtr')).toBe(false);
    expect(() => hubPermissions(['Not A Partner'])).toThrow(/Invalid partner id/);
  });
});

describe('partnerPermissions', () => {
  const permissions = partnerPermissions('slam-mhtr');
  const topicWrite = (exchange: string) => permissions.topic.find((topic) => topic.exchange === exchange)?.write;

  it("writes cstr.ingress under its own prefix and its own retry exchange, never cstr.retry or another partner's", () => {
    expect(matches(permissions.write, 'cstr.ingress')).toBe(true);
    expect(matches(permissions.write, 'cstr.retry.slam-mhtr')).toBe(true);
    for (const exchange of ['cstr.retry', 'cstr.retry.nps-london-croydon', 'cstr.delivery', 'amq.default', ''])
      expect(matches(permissions.write, exchange)).toBe(false);
    expect(matches(topicWrite('cstr.ingress'), 'slam-mhtr.treatment.appointment.missed')).toBe(true);
    expect(matches(topicWrite('cstr.ingress'), 'nps-london-croydon.risk.changed')).toBe(false);
    // What an older provisioning granted on cstr.retry is overwritten with "no key".
    expect(matches(topicWrite('cstr.retry'), 'partner.slam-mhtr.inbox.redeliver')).toBe(false);
  });

  it("uses its retry exchange only under its inbox's keys", () => {
    for (const key of [
      'partner.slam-mhtr.inbox.retry.1000ms',
      'partner.slam-mhtr.inbox.dlq',
      'partner.slam-mhtr.inbox.redeliver',
    ])
      expect(matches(topicWrite('cstr.retry.slam-mhtr'), key)).toBe(true);
    for (const key of ['hub.ingress.redeliver', 'partner.nps-london-croydon.inbox.redeliver'])
      expect(matches(topicWrite('cstr.retry.slam-mhtr'), key)).toBe(false);
  });

  it('reads only its own inbox and configures nothing', () => {
    expect(matches(permissions.read, 'partner.slam-mhtr.inbox')).toBe(true);
    expect(matches(permissions.read, 'partner.slam-mhtr.inbox.dlq')).toBe(false);
    expect(permissions.configure).toBe('^$');
  });
});

describe('ingress partitions', () => {
  it('declares single-active-consumer quorum partitions bound to the hash exchange, their dead letters parked in hub.ingress.dlq', () => {
    const specs = ingressPartitionSpecs(3, [1000]);
    expect(specs.map((spec) => spec.queue)).toEqual(['hub.ingress.p0', 'hub.ingress.p1', 'hub.ingress.p2']);
    const [partition, delay, dlq] = queueDeclarations(specs[1]);
    expect(partition).toMatchObject({
      queue: 'hub.ingress.p1',
      arguments: {
        'x-queue-type': 'quorum',
        'x-single-active-consumer': true,
        'x-dead-letter-routing-key': 'hub.ingress.p1.dlq',
      },
      bindings: [
        { exchange: 'cstr.ingress.partitions', pattern: '1' },
        { exchange: 'cstr.retry', pattern: 'hub.ingress.p1.redeliver' },
      ],
    });
    expect(delay).toMatchObject({ queue: 'hub.ingress.p1.retry.1000ms' });
    expect(dlq).toEqual({
      queue: 'hub.ingress.dlq',
      arguments: { 'x-queue-type': 'quorum' },
      bindings: [{ exchange: 'cstr.retry', pattern: 'hub.ingress.p1.dlq' }],
    });
  });

  it('takes 4 partitions unless asked, and refuses a count out of range', () => {
    expect(ingressPartitionCount({})).toBe(4);
    expect(ingressPartitionCount({ ingressPartitions: 8 })).toBe(8);
    for (const bad of [0, 65, 1.5, Number.NaN])
      expect(() => ingressPartitionCount({ ingressPartitions: bad })).toThrow(/ingressPartitions/);
  });
});

describe('argumentDifferences', () => {
  it('names each argument that differs, is added or is gone', () => {
    expect(
      argumentDifferences(
        { 'x-dead-letter-exchange': 'cstr.retry', 'x-delivery-limit': 20, 'x-old': true },
        { 'x-dead-letter-exchange': 'cstr.retry.slam-mhtr', 'x-delivery-limit': 20, 'x-single-active-consumer': true },
      ),
    ).toEqual([
      'x-dead-letter-exchange: "cstr.retry" → "cstr.retry.slam-mhtr"',
      'x-old: true → unset',
      'x-single-active-consumer: unset → true',
    ]);
    expect(argumentDifferences({ a: 1 }, { a: 1 })).toEqual([]);
  });
});
