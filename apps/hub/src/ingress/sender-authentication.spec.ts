import { recordedSender, unauthenticatedSender } from './envelope.check';
import type { IngressMessage } from './ingress-message';

const message = (change: Partial<IngressMessage>): IngressMessage => ({
  eventId: '6f1c1b0e-2d1f-4c55-9a55-0c8e0c6f7a10',
  type: 'consent.withdrawn',
  routingKey: 'slam-mhtr.consent.withdrawn',
  body: {},
  ...change,
});

describe('the sender is who the broker authenticated (SPEC §5)', () => {
  it('believes the routing key the broker checked, alone or with the same partner as userId', () => {
    expect(unauthenticatedSender(message({}))).toBeUndefined();
    expect(unauthenticatedSender(message({ publisher: 'slam-mhtr' }))).toBeUndefined();
  });

  it("believes the hub's own publish under a partner's key (what the partner submitted over HTTP)", () => {
    expect(unauthenticatedSender(message({ publisher: 'hub' }))).toBeUndefined();
  });

  it('refuses a userId of one partner under another partner’s routing key, and records the real one', () => {
    const forged = message({ publisher: 'st-andrews-mhtr' });
    expect(unauthenticatedSender(forged)).toMatchObject({ kind: 'refused', code: 'unauthenticated-sender' });
    expect(recordedSender(forged)).toBe('st-andrews-mhtr');
  });

  it('believes a redelivered copy only when the hub published it', () => {
    expect(unauthenticatedSender(message({ redelivered: true, publisher: 'hub' }))).toBeUndefined();
    expect(unauthenticatedSender(message({ redelivered: true, publisher: 'st-andrews-mhtr' }))).toMatchObject({
      code: 'unauthenticated-sender',
    });
    expect(unauthenticatedSender(message({ redelivered: true }))).toMatchObject({ code: 'unauthenticated-sender' });
  });
});
