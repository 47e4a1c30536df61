import type { DeliusApiClient, DeliusWriteResult } from '../delius/delius-api.client';
import { executeDeliusWrites } from './delius-writer';
import type { DeliusWritePlan } from './delius-writes';

const plan: DeliusWritePlan = {
  kind: 'writes',
  crn: 'X412563',
  contact: { type: 'AFTA', date: '2026-06-29', notes: 'n', externalReference: 'e1' },
  alert: { type: 'CSTR_APPOINTMENT_MISSED', date: '2026-06-29', notes: 'n', externalReference: 'e1' },
};

function fakeDelius(contact: DeliusWriteResult, alert: DeliusWriteResult = { kind: 'created', id: 'A1' }) {
  return {
    createContact: jest.fn().mockResolvedValue(contact),
    createAlert: jest.fn().mockResolvedValue(alert),
  } as unknown as DeliusApiClient & { createContact: jest.Mock; createAlert: jest.Mock };
}

describe('executeDeliusWrites', () => {
  it('writes the contact then the alert, and is done', async () => {
    const delius = fakeDelius({ kind: 'created', id: 'C1' });
    await expect(executeDeliusWrites(delius, plan)).resolves.toEqual({ kind: 'done' });
    expect(delius.createContact).toHaveBeenCalledWith('X412563', plan.kind === 'writes' && plan.contact);
    expect(delius.createAlert).toHaveBeenCalledWith('X412563', plan.kind === 'writes' && plan.alert);
  });

  it('treats a repeated external reference as already done, and still makes sure of the alert', async () => {
    const delius = fakeDelius({ kind: 'duplicate' }, { kind: 'duplicate' });
    await expect(executeDeliusWrites(delius, plan)).resolves.toEqual({ kind: 'done' });
    expect(delius.createAlert).toHaveBeenCalledTimes(1);
  });

  it('dead-letters an unknown CRN with reason unknown-crn, writing no alert', async () => {
    const delius = fakeDelius({ kind: 'unknown-crn' });
    await expect(executeDeliusWrites(delius, plan)).resolves.toMatchObject({
      kind: 'dead-letter',
      code: 'unknown-crn',
    });
    expect(delius.createAlert).not.toHaveBeenCalled();
  });

  it('retries later when Delius is unavailable', async () => {
    await expect(
      executeDeliusWrites(fakeDelius({ kind: 'unavailable', reason: 'Delius answered 503.' }), plan),
    ).resolves.toMatchObject({ kind: 'retry' });
    await expect(
      executeDeliusWrites(fakeDelius({ kind: 'created', id: 'C1' }, { kind: 'unavailable', reason: 'timeout' }), plan),
    ).resolves.toMatchObject({ kind: 'retry' });
  });

  it('dead-letters a request Delius refuses as invalid', async () => {
    await expect(
      executeDeliusWrites(fakeDelius({ kind: 'rejected', status: 400, reason: 'Delius answered 400.' }), plan),
    ).resolves.toMatchObject({
      kind: 'dead-letter',
      code: 'rejected-by-delius',
    });
  });

  it('acknowledges a plan with nothing to write, and dead-letters an unusable one without calling Delius', async () => {
    const delius = fakeDelius({ kind: 'created', id: 'C1' });
    await expect(
      executeDeliusWrites(delius, { kind: 'nothing', code: 'own-event', reason: 'own event' }),
    ).resolves.toEqual({ kind: 'done' });
    await expect(
      executeDeliusWrites(delius, { kind: 'unusable', code: 'no-crn', reason: 'no CRN' }),
    ).resolves.toMatchObject({ kind: 'dead-letter', code: 'no-crn' });
    expect(delius.createContact).not.toHaveBeenCalled();
  });
});
