import fc from 'fast-check';
import { CRN_SYSTEM, NHS_NUMBER_SYSTEM, PNC_ID_SYSTEM } from '../identifier-systems';
import { IndexedPerson, planLinks } from './link-plan';
import type { StrongIdentifier } from './person-index.types';

const nhs = (value: string): StrongIdentifier => ({ system: NHS_NUMBER_SYSTEM, value, kind: 'nhs-number' });
const crn = (value: string): StrongIdentifier => ({ system: CRN_SYSTEM, value, kind: 'crn' });
const pnc = (value: string): StrongIdentifier => ({ system: PNC_ID_SYSTEM, value, kind: 'pnc-id' });
const person = (id: string, createdAt: number, identifiers: StrongIdentifier[]): IndexedPerson => ({
  id,
  createdAt: new Date(createdAt),
  identifiers,
});

describe('planLinks', () => {
  it('creates a person with every identifier of a trusted event when none is known', () => {
    expect(planLinks({ subject: [nhs('N1'), crn('C1')], persons: [], trusted: true })).toEqual({
      kind: 'create',
      attach: [nhs('N1'), crn('C1')],
      notLinked: [],
      conflicts: [],
    });
  });

  it('creates a person with only the first identifier of an untrusted event', () => {
    expect(planLinks({ subject: [nhs('N1'), crn('C1')], persons: [], trusted: false })).toEqual({
      kind: 'create',
      attach: [nhs('N1')],
      notLinked: [crn('C1')],
      conflicts: [],
    });
  });

  it('links unknown identifiers to the known person in a trusted event only', () => {
    const p = person('p', 1, [nhs('N1')]);
    expect(planLinks({ subject: [nhs('N1'), crn('C1')], persons: [p], trusted: true })).toMatchObject({
      kind: 'existing',
      personId: 'p',
      merge: [],
      link: [crn('C1')],
    });
    expect(planLinks({ subject: [nhs('N1'), crn('C1')], persons: [p], trusted: false })).toMatchObject({
      kind: 'existing',
      personId: 'p',
      merge: [],
      link: [],
      notLinked: [crn('C1')],
    });
  });

  it('merges into the oldest person', () => {
    const older = person('z-older', 1, [crn('C1')]);
    const younger = person('a-younger', 2, [nhs('N1')]);
    expect(
      planLinks({ subject: [nhs('N1'), crn('C1'), pnc('P1')], persons: [younger, older], trusted: true }),
    ).toMatchObject({
      kind: 'existing',
      personId: 'z-older',
      merge: ['a-younger'],
      link: [pnc('P1')],
      conflicts: [],
    });
  });

  it('neither merges nor links when one person would get two NHS numbers; the NHS number holder decides', () => {
    const a = person('a', 1, [crn('C1')]);
    const b = person('b', 2, [nhs('N2'), crn('C2')]);
    const plan = planLinks({ subject: [nhs('N2'), crn('C1'), pnc('P1')], persons: [a, b], trusted: true });
    expect(plan).toMatchObject({
      kind: 'existing',
      personId: 'b',
      merge: [],
      link: [],
      notLinked: [crn('C1'), pnc('P1')],
    });
    expect(plan.conflicts).toEqual([{ system: CRN_SYSTEM, personIds: ['b', 'a'] }]);
  });

  it('treats two values of one system in the event itself as a conflict', () => {
    const plan = planLinks({ subject: [nhs('N1'), nhs('N2')], persons: [], trusted: true });
    expect(plan).toEqual({
      kind: 'create',
      attach: [nhs('N1')],
      notLinked: [nhs('N2')],
      conflicts: [{ system: NHS_NUMBER_SYSTEM, personIds: [] }],
    });
  });

  describe('properties (an in-memory index driven by the plans)', () => {
    // Pool: two values per system, so conflicts are frequent.
    const pool = [nhs('N1'), nhs('N2'), crn('C1'), crn('C2'), pnc('P1'), pnc('P2')];
    const event = fc.record({
      members: fc.uniqueArray(fc.integer({ min: 0, max: pool.length - 1 }), { minLength: 1, maxLength: 4 }),
      trusted: fc.boolean(),
    });

    function run(events: { members: number[]; trusted: boolean }[]): {
      owner: Map<string, string>;
      live: Set<string>;
      trustedPairs: Set<string>;
    } {
      const owner = new Map<string, string>();
      const created = new Map<string, number>();
      const live = new Set<string>();
      const trustedPairs = new Set<string>();
      let clock = 0;
      for (const { members, trusted } of events) {
        const subject = members
          .map((i) => pool[i])
          .sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'nhs-number' ? -1 : b.kind === 'nhs-number' ? 1 : 0));
        const involvedIds = [
          ...new Set(subject.map((id) => owner.get(id.value)).filter((id): id is string => id !== undefined)),
        ];
        const persons = involvedIds.map((id) =>
          person(
            id,
            created.get(id) as number,
            pool.filter((p) => owner.get(p.value) === id),
          ),
        );
        const plan = planLinks({ subject, persons, trusted });
        if (trusted)
          for (const a of members) for (const b of members) trustedPairs.add(`${pool[a].value}|${pool[b].value}`);
        if (plan.kind === 'create') {
          const id = `p${++clock}`;
          created.set(id, clock);
          live.add(id);
          for (const identifier of plan.attach) owner.set(identifier.value, id);
        } else {
          for (const merged of plan.merge) {
            live.delete(merged);
            for (const [value, holder] of owner) if (holder === merged) owner.set(value, plan.personId);
          }
          for (const identifier of plan.link) owner.set(identifier.value, plan.personId);
        }
      }
      return { owner, live, trustedPairs };
    }

    it('every identifier belongs to one live person, with at most one value per system', () => {
      fc.assert(
        fc.property(fc.array(event, { maxLength: 12 }), (events) => {
          const { owner, live } = run(events);
          for (const holder of owner.values()) expect(live.has(holder)).toBe(true);
          for (const id of live) {
            const systems = pool.filter((p) => owner.get(p.value) === id).map((p) => p.system);
            expect(new Set(systems).size).toBe(systems.length);
          }
        }),
        { numRuns: 500 },
      );
    });

    it('untrusted events never put two identifiers on one person', () => {
      fc.assert(
        fc.property(
          fc.array(
            event.map((e) => ({ ...e, trusted: false })),
            { maxLength: 12 },
          ),
          (events) => {
            const { owner } = run(events);
            expect(new Set(owner.values()).size).toBe(owner.size);
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});
