import type { OutgoingMessage } from '@cstr/messaging';
import { IngressPublisher } from '@cstr/platform';
import { RecordingOutbox, transactionStub } from '@cstr/testing';
import { partnerFixture } from '@cstr/fixtures/fhir/partner/partner-files';
import type { LdPartnerSettings } from '../ld-partner-settings';
import { ScreeningIntakeService } from './screening-intake.service';

const SETTINGS: LdPartnerSettings = {
  partnerId: 'sl-liaison-diversion',
  name: 'South London Liaison and Diversion Service',
  ods: 'RV5',
  ldSystemUrl: 'http://127.0.0.1:1',
  courts: [],
};
const form = (name: string): Record<string, unknown> => partnerFixture('ld', `${name}.json`) as Record<string, unknown>;

function service(): { intake: ScreeningIntakeService; queued: OutgoingMessage[]; transactions: () => number } {
  const outbox = new RecordingOutbox();
  const { dataSource, transactions } = transactionStub();
  return {
    intake: new ScreeningIntakeService(
      dataSource,
      new IngressPublisher({ PARTNER_ID: SETTINGS.partnerId }, outbox),
      SETTINGS,
    ),
    queued: outbox.queued,
    transactions,
  };
}

describe('ScreeningIntakeService', () => {
  it('queues ld.screening.completed and consent.recorded in one transaction, as this partner', async () => {
    const { intake, queued, transactions } = service();
    const result = await intake.receive(form('screening-custody-consent-given'), new Date('2026-11-03T04:00:00Z'));

    expect(result.httpStatus).toBe(202);
    expect(queued.map((message) => [message.type, message.routingKey])).toEqual([
      ['ld.screening.completed', 'sl-liaison-diversion.ld.screening.completed'],
      ['consent.recorded', 'sl-liaison-diversion.consent.recorded'],
    ]);
    expect(transactions()).toBe(1);
  });

  it('gives the same event ids for the same form sent twice', async () => {
    const first = service();
    const second = service();
    await first.intake.receive(form('screening-court-consent-refused'), new Date());
    await second.intake.receive(form('screening-court-consent-refused'), new Date());
    expect(second.queued.map((message) => message.eventId)).toEqual(first.queued.map((message) => message.eventId));
    expect(first.queued).toHaveLength(2);
  });

  it('answers 422 naming the form paths of a bad screening, queuing nothing', async () => {
    const { intake, queued, transactions } = service();
    const bad = form('screening-custody-consent-given');
    (bad.person as Record<string, unknown>).nhsNumber = '1234567890';

    const result = await intake.receive(bad, new Date());

    expect(result.httpStatus).toBe(422);
    expect(
      result.outcome.issue.some(
        (issue) => issue.severity === 'error' && issue.expression?.some((path) => path.includes('nhsNumber')),
      ),
    ).toBe(true);
    expect(queued).toHaveLength(0);
    expect(transactions()).toBe(0);
  });

  it('never throws on input that is not a form', async () => {
    const { intake } = service();
    await expect(intake.receive('not a form', new Date())).resolves.toMatchObject({ httpStatus: 422 });
  });
});
