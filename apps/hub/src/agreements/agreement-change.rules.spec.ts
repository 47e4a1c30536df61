import {
  approvalRefusal,
  isDue,
  proposalRefusal,
  rejectionRefusal,
  stateOnApproval,
  type VersionFacts,
} from './agreement-change.rules';

const proposal = (change: Partial<VersionFacts> = {}): VersionFacts => ({
  agreementId: 'cstr-south-london-mhtr',
  version: 5,
  state: 'proposed',
  proposedBy: 'ig-lead',
  start: '2026-04-01',
  ...change,
});
const NOW = new Date('2026-11-30T09:00:00Z');

describe('agreement change control: four eyes', () => {
  it('refuses the proposer as approver, and lets a second IG lead approve', () => {
    expect(approvalRefusal(proposal(), 'ig-lead')).toEqual({
      status: 403,
      code: 'forbidden',
      reason: expect.stringMatching(/proposed by ig-lead: a second, different IG lead must approve it/),
    });
    expect(approvalRefusal(proposal(), 'ig-lead-2')).toBeUndefined();
  });

  it('never approves or takes effect once rejected', () => {
    const rejected = proposal({ state: 'rejected' });
    expect(approvalRefusal(rejected, 'ig-lead-2')).toMatchObject({
      status: 409,
      reason: expect.stringMatching(/is rejected/),
    });
    expect(rejectionRefusal(rejected)).toMatchObject({ status: 409 });
    expect(isDue(rejected, new Date('2030-01-01T00:00:00Z'))).toBe(false);
  });

  it('never approves a proposal over a later version put in force since', () => {
    expect(approvalRefusal(proposal(), 'ig-lead-2', 4)).toBeUndefined();
    expect(approvalRefusal(proposal(), 'ig-lead-2', 6)).toMatchObject({
      status: 409,
      reason: expect.stringMatching(/older than version 6/),
    });
  });

  it('decides a proposal only once', () => {
    for (const state of ['approved', 'in-force', 'superseded'] as const)
      expect(approvalRefusal(proposal({ state }), 'ig-lead-2')?.status).toBe(409);
    expect(rejectionRefusal(proposal())).toBeUndefined();
  });

  it('honours the start date: in force at once when it has come, else on that day', () => {
    expect(stateOnApproval({ start: '2026-11-30' }, NOW)).toBe('in-force');
    expect(stateOnApproval({ start: '2026-12-01' }, NOW)).toBe('approved');
    const waiting = proposal({ state: 'approved', start: '2026-12-01' });
    expect(isDue(waiting, NOW)).toBe(false);
    expect(isDue(waiting, new Date('2026-12-01T00:00:00Z'))).toBe(true);
    expect(isDue(proposal({ start: '2026-01-01' }), NOW)).toBe(false);
  });

  it('takes a proposal only above every stored version, one at a time', () => {
    const stored = [
      { version: 4, state: 'in-force' as const },
      { version: 3, state: 'superseded' as const },
    ];
    expect(proposalRefusal({ id: 'x', version: 4 }, stored)).toMatchObject({
      status: 409,
      reason: expect.stringMatching(/already has version 4: propose version 5/),
    });
    expect(proposalRefusal({ id: 'x', version: 5 }, stored)).toBeUndefined();
    expect(proposalRefusal({ id: 'x', version: 6 }, [...stored, { version: 5, state: 'proposed' }])).toMatchObject({
      reason: expect.stringMatching(/version 5 is proposed/),
    });
    expect(proposalRefusal({ id: 'x', version: 6 }, [...stored, { version: 5, state: 'rejected' }])).toBeUndefined();
  });
});
