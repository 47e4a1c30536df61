import { AGREEMENTS, fixtureBundle, PARTNERS, partner, senderOf } from '../../test/policy-test-kit';
import { NO_CONSENT } from './consent-state';
import { recipientsFor } from './evaluate';
import type { EventType } from '@cstr/contracts';
import type { Bundle } from 'fhir/r4';
import {
  connectedPartners,
  endRelationships,
  isConnected,
  NO_RELATIONSHIPS,
  updateRelationships,
  type RelationshipState,
} from './relationships';

function apply(
  state: RelationshipState,
  eventType: EventType,
  bundle: Bundle = fixtureBundle(eventType),
): RelationshipState {
  return updateRelationships(state, { eventType, bundle }, senderOf(bundle), PARTNERS);
}

/** The Croydon listing moved to Camberwell Green (court code and sender). */
function camberwellHearing(): Bundle {
  return fixtureBundle('court.hearing.listed', (input) => {
    input.envelope.sender = 'camberwell-green-mc';
    input.envelope.senderOrganization = {
      code: 'B01CG00',
      codeKind: 'court',
      name: "Camberwell Green Magistrates' Court",
      partnerId: 'camberwell-green-mc',
    };
    (input as { hearing: { court: { code: string; name: string } } }).hearing.court = {
      code: 'B01CG00',
      name: "Camberwell Green Magistrates' Court",
    };
  });
}

describe('updateRelationships', () => {
  it('connects the L&D service and the probation unit covering the court of a hearing, not the other unit', () => {
    const state = apply(NO_RELATIONSHIPS, 'court.hearing.listed');
    expect(connectedPartners(state).sort()).toEqual(['nps-london-croydon', 'sl-liaison-diversion']);
    expect(state.connections['nps-london-croydon']).toEqual(['covers-court']);
  });

  it('routes a Camberwell Green hearing to the Lambeth unit instead', () => {
    const state = apply(NO_RELATIONSHIPS, 'court.hearing.listed', camberwellHearing());
    expect(connectedPartners(state).sort()).toEqual(['nps-london-lambeth', 'sl-liaison-diversion']);
  });

  it('connects the provider named as performer of the sentence, and only it', () => {
    const state = apply(NO_RELATIONSHIPS, 'court.sentence.imposed');
    expect(state.connections['slam-mhtr']).toEqual(['named-in-request']);
    expect(isConnected(state, 'st-andrews-mhtr')).toBe(false);
  });

  it('connects the treatment service of a provider a PSR request names by ODS code only, not the L&D service sharing that code', () => {
    const request = fixtureBundle('probation.psr.requested', (input) => {
      (input as { request: { performer: { code?: string; name: string; partnerId?: string } } }).request.performer = {
        code: 'RV5',
        name: 'South London and Maudsley NHS Foundation Trust',
      };
    });
    const state = apply(NO_RELATIONSHIPS, 'probation.psr.requested', request);
    expect(state.connections['slam-mhtr']).toEqual(['named-in-request']);
    expect(state.connections['sl-liaison-diversion']).toBeUndefined();
  });

  it('connects the provider that accepts the referral made to it and the unit that allocates the case', () => {
    const referred = apply(NO_RELATIONSHIPS, 'treatment.referral.requested');
    const state = apply(apply(referred, 'treatment.referral.accepted'), 'probation.case.allocated');
    expect(state.connections['slam-mhtr']).toEqual(['named-in-request', 'accepted-referral']);
    expect(state.connections['nps-london-croydon']).toEqual(['requested', 'allocated-case']);
  });

  it('gives a provider nothing for accepting a referral nobody made to it', () => {
    expect(isConnected(apply(NO_RELATIONSHIPS, 'treatment.referral.accepted'), 'slam-mhtr')).toBe(false);
  });

  it('connects the GP registration service once it checked registration', () => {
    expect(apply(NO_RELATIONSHIPS, 'gp.registration.checked').connections['pds-gp-registration']).toEqual([
      'checked-gp-registration',
    ]);
  });

  it('disconnects a provider that rejects the referral', () => {
    const named = apply(NO_RELATIONSHIPS, 'court.sentence.imposed');
    const rejected = fixtureBundle('treatment.referral.rejected', (input) => {
      input.envelope.sender = 'slam-mhtr';
      input.envelope.senderOrganization = {
        code: 'RV5',
        name: 'South London and Maudsley NHS Foundation Trust (MHTR)',
        partnerId: 'slam-mhtr',
      };
    });
    expect(isConnected(apply(named, 'treatment.referral.rejected', rejected), 'slam-mhtr')).toBe(false);
  });

  it('never connects a court, and does not change the state it is given', () => {
    const before = apply(NO_RELATIONSHIPS, 'court.hearing.listed');
    const snapshot = JSON.stringify(before);
    const after = apply(before, 'court.sentence.imposed');
    expect(JSON.stringify(before)).toBe(snapshot);
    expect(isConnected(after, 'croydon-mc')).toBe(false);
    expect(partner('croydon-mc').kind).toBe('hmcts');
  });
});

describe('connection only through a role in the person care (SPEC §5)', () => {
  it('gives a partner nothing for publishing about a stranger', () => {
    for (const eventType of [
      'treatment.appointment.attended',
      'risk.changed',
      'treatment.assessment.completed',
    ] as const) {
      expect(connectedPartners(apply(NO_RELATIONSHIPS, eventType))).toEqual([]);
    }
  });

  it('connects the requester of a PSR and the provider it names by logical reference', () => {
    const request = fixtureBundle('probation.psr.requested');
    for (const entry of request.entry ?? []) {
      const resource = entry.resource as { resourceType: string; performer?: unknown; owner?: unknown };
      const logical = { identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'NVN' } };
      if (resource.resourceType === 'ServiceRequest') resource.performer = [logical];
      if (resource.resourceType === 'Task') resource.owner = logical;
    }
    const state = apply(NO_RELATIONSHIPS, 'probation.psr.requested', request);
    expect(state.connections['st-andrews-mhtr']).toEqual(['named-in-request']);
    expect(state.connections['nps-london-croydon']).toEqual(['requested']);
    expect(isConnected(state, 'slam-mhtr')).toBe(false);
  });

  it('ends a provider treatment roles when it ends the episode, and a terminated requirement ends them after its delivery', () => {
    const named = apply(NO_RELATIONSHIPS, 'court.sentence.imposed');
    expect(isConnected(apply(named, 'treatment.episode.ended'), 'slam-mhtr')).toBe(false);
    const terminated = {
      eventType: 'probation.requirement.terminated' as const,
      bundle: fixtureBundle('probation.requirement.terminated'),
    };
    const before = updateRelationships(named, terminated, senderOf(terminated.bundle), PARTNERS);
    expect(isConnected(before, 'slam-mhtr')).toBe(true);
    expect(isConnected(endRelationships(before, terminated, senderOf(terminated.bundle), PARTNERS), 'slam-mhtr')).toBe(
      false,
    );
  });

  it('reads a state stored before, where publishing connected, as connecting nobody by it', () => {
    const legacy = { connections: { 'slam-mhtr': ['published-about'] } } as unknown as RelationshipState;
    expect(isConnected(legacy, 'slam-mhtr')).toBe(false);
    expect(connectedPartners(apply(legacy, 'court.hearing.listed'))).not.toContain('slam-mhtr');
  });
});

describe('a DRR review', () => {
  it('connects the court that lists it, so that probation review report reaches that court and no other', () => {
    const listed = apply(NO_RELATIONSHIPS, 'court.review.listed');
    const court = senderOf(fixtureBundle('court.review.listed')).id;
    expect(listed.connections[court]).toEqual(['reviews-order']);
    const report = fixtureBundle('probation.review.reported');
    const decisions = recipientsFor({
      bundle: report,
      eventType: 'probation.review.reported',
      sender: senderOf(report),
      partners: PARTNERS,
      agreements: AGREEMENTS,
      consent: NO_CONSENT,
      relationships: listed,
      now: new Date((report as { timestamp: string }).timestamp),
    });
    const delivered = decisions
      .filter(({ decision }) => decision.decision === 'deliver')
      .map(({ recipient }) => recipient.id);
    expect(delivered).toContain(court);
    expect(delivered.filter((id) => partner(id).kind === 'hmcts')).toEqual([court]);
  });
});
