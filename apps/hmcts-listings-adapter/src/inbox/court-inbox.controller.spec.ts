import 'reflect-metadata';
import { InboxAcknowledgements } from '@cstr/platform';
import { eventTypesDeliveredTo } from '@cstr/testing';
import { COURT_INBOX_EVENT_TYPES, CourtInboxController } from './court-inbox.controller';
import type { AmqpContext } from '@cstr/messaging';

describe('the court inbox', () => {
  it('has a plan for every event type the agreements deliver to a court', () => {
    const delivered = eventTypesDeliveredTo('hmcts');
    expect(delivered).toContain('probation.review.reported');
    expect(delivered.filter((type) => !COURT_INBOX_EVENT_TYPES.includes(type))).toEqual([]);
  });

  it('acknowledges a review report: done, logged and counted with its reason', async () => {
    const acknowledgements = new InboxAcknowledgements('court', 'Common Platform');
    const controller = new CourtInboxController(acknowledgements);
    const context = {
      getMessage: () => ({ eventId: 'e1', type: 'probation.review.reported' }),
    } as unknown as AmqpContext;
    expect(controller.handle(context)).toEqual({ kind: 'done' });
    await expect(acknowledgements.acknowledgedCount('probation.review.reported', 'no-write-door')).resolves.toBe(1);
    expect(await acknowledgements.registry.metrics()).toContain('cstr_court_events_acknowledged_total');
  });
});
