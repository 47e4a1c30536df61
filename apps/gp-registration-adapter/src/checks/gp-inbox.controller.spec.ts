import { eventTypesDeliveredTo } from '@cstr/testing';
import { GP_ACKNOWLEDGED, GP_INBOX_EVENT_TYPES } from './gp-inbox.controller';

describe('the GP registration inbox', () => {
  it('has a plan (a PDS check or an acknowledgement) for every event type the agreements deliver to a GP service', () => {
    const delivered = eventTypesDeliveredTo('gp');
    expect(delivered.length).toBeGreaterThan(3);
    expect(delivered.filter((type) => !GP_INBOX_EVENT_TYPES.includes(type))).toEqual([]);
  });

  it('gives a reason for every acknowledgement', () => {
    for (const acknowledgement of Object.values(GP_ACKNOWLEDGED))
      expect(acknowledgement).toEqual({ code: expect.stringMatching(/^[a-z-]+$/), reason: expect.any(String) });
  });
});
