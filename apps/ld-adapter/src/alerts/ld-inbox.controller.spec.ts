import { eventTypesDeliveredTo } from '@cstr/testing';
import { LD_ACKNOWLEDGED, LD_INBOX_EVENT_TYPES } from './ld-inbox.controller';

describe('the L&D inbox', () => {
  it('has a plan (an alert or an acknowledgement) for every event type the agreements deliver to L&D', () => {
    const delivered = eventTypesDeliveredTo('ld');
    expect(delivered.length).toBeGreaterThan(3);
    expect(delivered.filter((type) => !LD_INBOX_EVENT_TYPES.includes(type))).toEqual([]);
  });

  it('gives a reason for every acknowledgement', () => {
    for (const acknowledgement of Object.values(LD_ACKNOWLEDGED))
      expect(acknowledgement).toEqual({ code: expect.stringMatching(/^[a-z-]+$/), reason: expect.any(String) });
  });
});
