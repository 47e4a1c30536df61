import { hubPermissions } from './broker-provisioner';

describe('hubPermissions', () => {
  const permissions = hubPermissions(['nps-london-croydon', 'slam-mhtr']);
  const retryWrite = new RegExp(permissions.topic.find((topic) => topic.exchange === 'cstr.retry')?.write ?? '^$');

  it("reads its own queue and DLQ and every partner's inbox DLQ, never a partner inbox", () => {
    const read = new RegExp(permissions.read);
    for (const queue of [
      'hub.ingress',
      'hub.ingress.dlq',
      'partner.nps-london-croydon.inbox.dlq',
      'partner.slam-mhtr.inbox.dlq',
    ])
      expect(read.test(queue)).toBe(true);
    for (const queue of [
      'partner.nps-london-croydon.inbox',
      'partner.other.inbox.dlq',
      'partner.slam-mhtr.inbox.retry.1000ms',
      'hub.ingress.dlqx',
    ])
      expect(read.test(queue)).toBe(false);
  });

  it('sends a replay back to a partner inbox only under its redeliver key, and its own failures under hub.ingress.*', () => {
    for (const key of [
      'hub.ingress.retry.1000ms',
      'hub.ingress.dlq',
      'hub.ingress.redeliver',
      'partner.slam-mhtr.inbox.redeliver',
    ])
      expect(retryWrite.test(key)).toBe(true);
    for (const key of [
      'partner.slam-mhtr.inbox.dlq',
      'partner.slam-mhtr.inbox.retry.1000ms',
      'partner.other.inbox.redeliver',
      'partner.slam-mhtr.inbox.redeliverx',
    ])
      expect(retryWrite.test(key)).toBe(false);
  });

  it('without partners, keeps to its own queues', () => {
    expect(new RegExp(hubPermissions().read).test('partner.slam-mhtr.inbox.dlq')).toBe(false);
    expect(() => hubPermissions(['Not A Partner'])).toThrow(/Invalid partner id/);
  });
});
