import type { Patient } from 'fhir/r4';
import { HUB_PARTY } from '../partners/partner';
import { partner } from '../../test/policy-test-kit';
import {
  mergeRestrictions,
  NOT_RESTRICTED,
  restrictionLabelOf,
  updateRestriction,
  type RestrictionState,
} from './restriction';

const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
const labelled = (code: string): Patient => ({
  resourceType: 'Patient',
  meta: { security: [{ system: CONFIDENTIALITY, code }] },
});
const plain: Patient = { resourceType: 'Patient' };
const gp = partner('pds-gp-registration');
const court = partner('croydon-mc');
const provider = partner('slam-mhtr');

describe('restriction, a fact about the person', () => {
  it('reads the PDS labels R and V, the stricter winning, and ignores others', () => {
    expect(restrictionLabelOf(labelled('R'))).toBe('R');
    expect(restrictionLabelOf(labelled('v'))).toBe('V');
    expect(restrictionLabelOf(labelled('N'))).toBeUndefined();
    expect(
      restrictionLabelOf({
        resourceType: 'Patient',
        meta: {
          security: [
            { system: CONFIDENTIALITY, code: 'R' },
            { system: CONFIDENTIALITY, code: 'V' },
          ],
        },
      }),
    ).toBe('V');
    expect(
      restrictionLabelOf({ resourceType: 'Patient', meta: { security: [{ system: 'other', code: 'R' }] } }),
    ).toBeUndefined();
  });

  it('is remembered from the GP service across later events of any sender without the label', () => {
    const restricted = updateRestriction(
      NOT_RESTRICTED,
      { eventType: 'gp.registration.checked', eventId: 'e1' },
      gp,
      labelled('R'),
    );
    expect(restricted).toEqual({ level: 'R', setBy: 'e1', setBySender: 'pds-gp-registration' });
    const afterCourt = updateRestriction(restricted, { eventType: 'court.sentence.imposed' }, court, plain);
    const afterProvider = updateRestriction(afterCourt, { eventType: 'risk.changed' }, provider, plain);
    expect(afterProvider.level).toBe('R');
  });

  it('is set by a label from any sender, and a weaker label never lowers it', () => {
    const veryRestricted = updateRestriction(
      NOT_RESTRICTED,
      { eventType: 'court.hearing.listed' },
      court,
      labelled('V'),
    );
    expect(veryRestricted.level).toBe('V');
    expect(updateRestriction(veryRestricted, { eventType: 'risk.changed' }, provider, labelled('R')).level).toBe('V');
  });

  it('is lifted only by a GP registration event of the GP service without the label', () => {
    const restricted: RestrictionState = { level: 'R', setBy: 'e1' };
    expect(updateRestriction(restricted, { eventType: 'gp.registration.changed' }, gp, plain)).toEqual(NOT_RESTRICTED);
    expect(updateRestriction(restricted, { eventType: 'court.sentence.imposed' }, court, plain)).toBe(restricted);
    expect(updateRestriction(restricted, { eventType: 'pathway.deadline.missed' }, HUB_PARTY, plain)).toBe(restricted);
    // The GP service states the current level: V to R is its call.
    expect(updateRestriction({ level: 'V' }, { eventType: 'gp.registration.checked' }, gp, labelled('R')).level).toBe(
      'R',
    );
  });

  it('survives a merge of two persons, the stricter level staying', () => {
    expect(mergeRestrictions(NOT_RESTRICTED, { level: 'R' }).level).toBe('R');
    expect(mergeRestrictions({ level: 'R' }, NOT_RESTRICTED).level).toBe('R');
    expect(mergeRestrictions({ level: 'R' }, { level: 'V' }).level).toBe('V');
    expect(mergeRestrictions(NOT_RESTRICTED, NOT_RESTRICTED).level).toBeUndefined();
  });
});
