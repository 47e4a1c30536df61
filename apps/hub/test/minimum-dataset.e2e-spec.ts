import request from 'supertest';
import type { EventInput, PersonIdentifiersInput } from '@cstr/fhir';
import { eventually } from '@cstr/testing';
import type { Server } from 'node:http';
import { basicAuth, bootHub, PRINCIPALS, type TestHub } from './http-test-kit';
import { generatedIdentifiers } from './generated-people';
import { eventOf, fixtureInput } from './ingress-test-kit';
import { PartnerPublishers } from './partner-publishers';

/** A fixture event as the generated person on a day of June 2026. */
function eventFor<T extends EventInput['type']>(
  type: T,
  identifiers: PersonIdentifiersInput,
  occurredAt: string,
  change?: (input: Extract<EventInput, { type: T }>) => void,
): EventInput {
  return fixtureInput(type, (input) => {
    input.person.identifiers = { ...identifiers };
    input.envelope.occurredAt = occurredAt;
    change?.(input);
  });
}

/**
 * The minimum dataset through the real broker: a generated June 2026 is published by the partners
 * (each with its own broker user), the hub keeps the reporting facts as it accepts each event, and
 * `GET /reports/minimum-dataset` gives the figures known by construction:
 * six people on MHTRs (screened by L&D, who records their equality monitoring; PSR requested,
 * assessed suitable, approved, sentenced the same day, a first session attended) and two on DRRs
 * (sentenced: suppressed as "<5").
 */
describe('GET /reports/minimum-dataset (through the broker)', () => {
  let hub: TestHub;
  let server: Server;
  const publishers = new PartnerPublishers('dataset-test');

  beforeAll(async () => {
    hub = await bootHub();
    server = hub.app.getHttpServer() as Server;
  });

  afterAll(async () => {
    await publishers.close();
    await hub?.close();
  });

  async function publish(input: EventInput): Promise<void> {
    await publishers.publish(eventOf(input));
  }

  it('gives the figures of a generated month, suppressed, without identifiers', async () => {
    const published: EventInput[] = [];
    for (let n = 0; n < 6; n += 1) {
      const person = generatedIdentifiers(n, 41);
      published.push(
        // L&D records the equality monitoring at screening: for the hub's reporting only.
        eventFor('ld.screening.completed', person, '2026-06-02T10:00:00+01:00', (input) => {
          input.person.equality = { ethnicCategory: 'A', disabilities: ['none'], interpreterRequired: false };
        }),
        eventFor('probation.psr.requested', person, '2026-06-03T09:00:00+01:00', (input) =>
          Object.assign(input.request, { requirementTypes: ['mhtr-secondary'] }),
        ),
        eventFor('treatment.assessment.completed', person, '2026-06-03T11:00:00+01:00', (input) =>
          Object.assign(input.assessment, { outcome: 'suitable', requirementType: 'mhtr-secondary' }),
        ),
        eventFor('treatment.suitability.decided', person, '2026-06-03T12:00:00+01:00', (input) =>
          Object.assign(input.decision, { outcome: 'approved', requirementType: 'mhtr-secondary' }),
        ),
        eventFor('court.sentence.imposed', person, '2026-06-03T16:00:00+01:00', (input) => {
          input.sentence.requirements = [{ ...input.sentence.requirements[0], type: 'mhtr-secondary' }];
        }),
        eventFor('treatment.appointment.attended', person, '2026-06-12T11:00:00+01:00'),
      );
    }
    for (let n = 0; n < 2; n += 1) {
      published.push(
        eventFor('court.sentence.imposed', generatedIdentifiers(n, 42), '2026-06-15T14:00:00+01:00', (input) => {
          input.sentence.requirements = [{ ...input.sentence.requirements[0], type: 'drr', startWithinWorkingDays: 2 }];
        }),
      );
    }
    for (const input of published) await publish(input);
    await eventually(
      async () =>
        ((await hub.dataSource.query('SELECT count(*)::int AS count FROM hub_report_fact')) as { count: number }[])[0]
          .count,
      (count) => count >= published.length,
      40_000,
    );

    const response = await request(server)
      .get('/reports/minimum-dataset?month=2026-06')
      .set('Authorization', basicAuth(PRINCIPALS.auditor));
    expect(response.status).toBe(200);
    const mhtr = response.body.sections.MHTR;
    expect(mhtr.referrals).toMatchObject({ total: 6, 'probation-psr-request': 6 });
    expect(mhtr.assessed).toEqual({ total: 6, suitable: 6, 'not-suitable': 0 });
    expect(mhtr['clinical-lead-decisions']).toEqual({ approved: 6, declined: 0 });
    expect(mhtr['included-in-psr'].total).toBe(6);
    expect(mhtr['court-decisions']).toEqual({ accepted: 6, declined: 0 });
    expect(mhtr['sentenced-on-the-day'].total).toBe(6);
    // The attendance carries no requirement type: counted under the person's sentence.
    expect(mhtr['orders-commenced'].total).toBe(6);
    expect(mhtr.attendance.attended).toBe(6);
    expect(mhtr['equality-assessed']).toMatchObject({
      'gender/male': 6,
      'age/35-44': 6,
      'ethnicity/white': 6,
      'disability/not-disabled': 6,
      'communication/none': 6,
      'gender-identity/not-recorded': 6,
    });
    // The facts keep the reporting categories, never the detailed ethnic category.
    const screenings = (await hub.dataSource.query(
      "SELECT ethnic_group, disability, communication_needs FROM hub_report_fact WHERE event_type = 'ld.screening.completed'",
    )) as Record<string, string>[];
    expect(screenings).toHaveLength(6);
    expect(new Set(screenings.map((row) => JSON.stringify(row)))).toEqual(
      new Set([JSON.stringify({ ethnic_group: 'white', disability: 'not-disabled', communication_needs: 'none' })]),
    );
    expect(response.body.sections.DRR['court-decisions'].accepted).toBe('<5');
    expect(response.body.sections.combined['court-decisions'].accepted).toBe(0);
    const text = JSON.stringify(response.body);
    for (const input of published) {
      expect(text).not.toContain(input.person.identifiers.nhsNumber);
      expect(text).not.toContain(input.envelope.eventId);
    }
    expect(text).not.toContain(published[0].person.name.family);

    const csv = await request(server)
      .get('/reports/minimum-dataset?month=2026-06&format=csv')
      .set('Authorization', basicAuth(PRINCIPALS.admin));
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.split('\r\n')).toEqual(
      expect.arrayContaining([
        'month,section,measure,breakdown,value',
        '2026-06,MHTR,court-decisions,accepted,6',
        '2026-06,DRR,court-decisions,accepted,<5',
      ]),
    );
    const reads = (await hub.dataSource.query(
      "SELECT actor FROM audit_record WHERE kind = 'read' AND reason LIKE 'GET /reports/minimum-dataset%'",
    )) as { actor: string }[];
    expect(reads.map((read) => read.actor).sort()).toEqual([PRINCIPALS.admin.id, PRINCIPALS.auditor.id].sort());
  }, 90_000);

  it('is for IG auditors and admins only, and checks its parameters', async () => {
    expect(
      (
        await request(server)
          .get('/reports/minimum-dataset?month=2026-06')
          .set('Authorization', basicAuth(PRINCIPALS.operator))
      ).status,
    ).toBe(403);
    expect(
      (
        await request(server)
          .get('/reports/minimum-dataset?month=2026-06')
          .set('Authorization', basicAuth(PRINCIPALS.slam))
      ).status,
    ).toBe(403);
    expect((await request(server).get('/reports/minimum-dataset?month=2026-06')).status).toBe(401);
    const bad = await request(server)
      .get('/reports/minimum-dataset?month=2026-13')
      .set('Authorization', basicAuth(PRINCIPALS.auditor));
    expect(bad.status).toBe(400);
    expect(bad.body.resourceType).toBe('OperationOutcome');
    expect(
      (
        await request(server)
          .get('/reports/minimum-dataset?month=2026-06&format=xml')
          .set('Authorization', basicAuth(PRINCIPALS.auditor))
      ).status,
    ).toBe(400);
  });
});
