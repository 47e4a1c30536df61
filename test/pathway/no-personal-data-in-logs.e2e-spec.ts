import * as path from 'node:path';
import { DataSource, QueryFailedError } from 'typeorm';
import { LogCapture, eventually, testEnvironment, type PathwaySystem } from '@cstr/testing';
import { playDemo } from '../../tools/demo/play-demo';
import {
  CROYDON,
  IG_LEAD,
  JORDAN,
  OPERATOR,
  SLAM,
  auditedAbout,
  deliusAllocatesCase,
  deliusOpensCase,
  newPerson,
  partnerFixture,
  providerRecordsConsent,
  providerRecordsNoShow,
  providerRecordsPatient,
  providerWithdrawsConsent,
  startPathwaySystem,
  type Person,
} from './pathway-kit';

/** What the partners send about a person: searched for in every log line, and checked to have entered the system. */
interface Searched {
  readonly who: string;
  /** Values as the partners' payloads carry them (each must show in what the stand-ins sent or received). */
  readonly sent: readonly string[];
  /** Other spellings the apps may produce (ISO dates of a court list's dd/mm/yyyy, a spaced NHS number). */
  readonly derived: readonly string[];
}

const JORDAN_SEARCHED: Searched = {
  who: 'the demo person (court list, L&D, Delius, provider, PDS, court result)',
  sent: [
    JORDAN.nhsNumber,
    JORDAN.crn,
    '2019/0046512V',
    '204117/19P',
    '6f1c2a8e-3b4d-4e5f-9a0b-1c2d3e4f5a6b',
    JORDAN.forename,
    JORDAN.surname,
    JORDAN.dateOfBirth,
    '14/03/1991',
    '14 Tamworth Road',
    'CR0 1XR',
  ],
  derived: ['999 000 0123'],
};

/** The two other defendants of the Croydon Libra list the demo publishes. */
const LIST_SEARCHED: readonly Searched[] = [
  {
    who: 'a defendant of the court list',
    sent: ['Kieran', 'DOYLE', '20/12/1979', '22 Brigstock Road', 'CR7 7JA', '2015/0722041E', '088412/15X'],
    derived: ['1979-12-20'],
  },
  {
    who: 'another defendant of the court list',
    sent: ['Amira', 'HASSAN', '11/06/1995', '2023/0009876J', '330871/23R'],
    derived: ['1995-06-11'],
  },
];

function searchedOf(person: Person, who: string): Searched {
  return {
    who,
    sent: [person.nhsNumber, person.crn, person.surname, person.dateOfBirth],
    derived: [`${person.nhsNumber.slice(0, 3)} ${person.nhsNumber.slice(3, 6)} ${person.nhsNumber.slice(6)}`],
  };
}

/**
 * No personal data in any log line (README, "Logs"): the whole system — the hub, the partner
 * sandbox and one adapter per partner — plays the pathway through the partners' own protocols at
 * log level verbose, with every failure path the pathway has (a dead letter, a refusal, an
 * invalid partner payload, failed database statements), while every line written to stdout or
 * stderr, every console call and every Nest Logger call (its arguments printed whole) is captured.
 * None may hold a person's identifier, name, birth date or address line.
 */
describe('logs of the whole system', () => {
  const env = testEnvironment();
  const capture = new LogCapture();
  const searched: Searched[] = [JORDAN_SEARCHED, ...LIST_SEARCHED];
  let system: PathwaySystem | undefined;

  beforeAll(async () => {
    capture.install();
    system = await startPathwaySystem(env, { LOG_LEVEL: 'verbose' });
  }, 180_000);

  afterAll(async () => {
    await system?.stop();
    capture.uninstall();
  });

  function running(): PathwaySystem {
    if (!system) throw new Error('The system is not running');
    return system;
  }

  it('plays the demo pathway: court list, L&D screening, PSR, sentence, allocation, provider records, RoSH', async () => {
    const demoLines: string[] = [];
    await playDemo({
      hubUrl: running().hub.url,
      sandboxUrl: running().sandbox.url,
      sandboxAuthorization: () => running().operator.header(),
      projectRoot: path.join(__dirname, '../..'),
      auditCredentials: `${IG_LEAD.id}:${IG_LEAD.secret}`,
      print: (line) => demoLines.push(line),
      quietMs: 1_000,
    });
    expect(demoLines.filter((line) => line.includes(' delivered ')).length).toBeGreaterThan(0);
    expect(await auditedAbout(running(), 'court.sentence.imposed', JORDAN)).toContain(CROYDON);
  }, 240_000);

  it('the GP registration service signals a change of GP for the demo person', async () => {
    const sent = await running().callSandbox('POST', '/sandbox/pds/pds-gp-registration/send/change-of-gp', {
      nhsNumber: JORDAN.nhsNumber,
      odsCode: 'H85033',
    });
    expect(sent.status).toBe(200);
    expect(await auditedAbout(running(), 'gp.registration.changed', JORDAN)).toContain('gp.registration.changed');
  });

  it('a missed appointment of a person unknown to Delius is dead-lettered by the probation adapter (unknown-crn)', async () => {
    const person = newPerson('Quennellworth');
    searched.push(searchedOf(person, 'a person unknown to Delius'));
    await deliusAllocatesCase(running(), CROYDON, person);
    const patientId = await providerRecordsPatient(running(), SLAM, person);
    await providerRecordsConsent(running(), SLAM, patientId, person);
    await providerRecordsNoShow(running(), SLAM, patientId, new Date(Date.UTC(2027, 0, 22, 10, 0)));
    const parked = await eventually(
      async () =>
        JSON.stringify(
          (await running().callHub(OPERATOR, 'GET', `/dead-letters?partner=${CROYDON}&code=unknown-crn`)).body,
        ),
      (text) => text.includes('treatment.appointment.missed'),
      30_000,
      250,
    );
    expect(parked).toContain('unknown-crn');
  });

  it('a missed appointment after the consent was withdrawn is refused, and the refusal audited', async () => {
    const person = newPerson('Thistlewaite');
    searched.push(searchedOf(person, 'a person who withdrew consent'));
    await deliusOpensCase(running(), CROYDON, person);
    await deliusAllocatesCase(running(), CROYDON, person);
    const patientId = await providerRecordsPatient(running(), SLAM, person);
    const consentId = await providerRecordsConsent(running(), SLAM, patientId, person);
    await providerWithdrawsConsent(running(), SLAM, consentId, person);
    await providerRecordsNoShow(running(), SLAM, patientId, new Date(Date.UTC(2027, 0, 21, 10, 0)));
    const audit = await eventually(
      () => auditedAbout(running(), 'treatment.appointment.missed', person),
      (text) => text.includes('consent-withdrawn'),
      20_000,
      250,
    );
    expect(audit).toContain('consent-withdrawn');
  });

  it('an L&D screening with a wrong NHS number, and a body that is not JSON, are refused', async () => {
    const person = newPerson('Pellingworth');
    const wrongNhsNumber = `${person.nhsNumber.slice(0, 9)}${(Number(person.nhsNumber[9]) + 1) % 10}`;
    searched.push({
      who: 'a person screened with a wrong NHS number',
      sent: [wrongNhsNumber, person.surname],
      derived: [],
    });
    const screening = structuredClone(partnerFixture('ld', 'screening-custody-consent-given.json')) as {
      screeningId: string;
      person: Record<string, unknown>;
    };
    screening.screeningId = `LD-LOGS-${Date.now()}`;
    screening.person = {
      nhsNumber: wrongNhsNumber,
      firstName: person.forename,
      lastName: person.surname,
      dateOfBirth: person.dateOfBirth,
      gender: 'male',
    };
    const sent = await running().callSandbox('POST', '/sandbox/ld/sl-liaison-diversion/send/screening', screening);
    expect(Number(sent.body.adapterStatus)).toBeGreaterThanOrEqual(400);
    const broken = await fetch(`${running().adapter('sl-liaison-diversion').url}/screenings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"person":{"nhsNumber":"${wrongNhsNumber}","lastName":"${person.surname}"`,
    });
    expect(broken.status).toBe(400);
  });

  it("failed statements on the hub's data source are logged without their values", async () => {
    const dataSource = running().hub.app.get(DataSource);
    const duplicate = dataSource.transaction(async (manager) => {
      await manager.query('CREATE TEMP TABLE log_probe (nhs_number text PRIMARY KEY, bundle jsonb) ON COMMIT DROP');
      const bundle = JSON.stringify({ resourceType: 'Patient', name: [{ family: JORDAN.surname }] });
      await manager.query('INSERT INTO log_probe VALUES ($1, $2)', [JORDAN.nhsNumber, bundle]);
      await manager.query('INSERT INTO log_probe VALUES ($1, $2)', [JORDAN.nhsNumber, bundle]);
    });
    await expect(duplicate).rejects.toBeInstanceOf(QueryFailedError);
    await expect(dataSource.query('SELECT $1::date', [`${JORDAN.dateOfBirth} ${JORDAN.surname}`])).rejects.toThrow(
      JORDAN.surname,
    );
    const failed = capture.lines.filter((line) => line.source === 'nest' && line.text.includes('Statement failed'));
    expect(failed.some((line) => line.text.includes('23505') && line.text.includes('INSERT INTO log_probe'))).toBe(
      true,
    );
    expect(failed.some((line) => line.text.includes('22007') && line.text.includes('SELECT $1::date'))).toBe(true);
  });

  it('no line any app logged holds a person identifier, name, birth date or address line', async () => {
    const kinds = ['hmcts', 'ld', 'delius', 'fhir', 'pds'] as const;
    // Everything the stand-ins sent and received, read before the system stops.
    const partnerTraffic = JSON.stringify(await Promise.all(kinds.map((kind) => running().received(kind))));
    // Stopped first: shutdown lines are scanned too.
    await running().stop();
    system = undefined;
    capture.uninstall();

    const lines = capture.lines;
    const values = searched.flatMap((each) => [...each.sent, ...each.derived]);
    const leaks = values.flatMap((value) =>
      lines
        .filter((line) => line.text.toLowerCase().includes(value.toLowerCase()))
        .map((line) => `${value} in ${line.source}: ${line.text.slice(0, 300)}`),
    );
    expect(leaks).toEqual([]);
    // And the scan could have found them: lines were captured, debug ones and failed statements
    // among them, and every searched value did travel through the system.
    expect(lines.length).toBeGreaterThan(200);
    expect(lines.some((line) => line.source === 'nest' && line.text.startsWith('debug '))).toBe(true);
    expect(lines.some((line) => line.source === 'stderr' && line.text.includes('Statement failed'))).toBe(true);
    const neverSent = searched.flatMap((each) => each.sent.filter((value) => !partnerTraffic.includes(value)));
    expect(neverSent).toEqual([]);

    console.log(
      `scanned ${lines.length} log lines for ${values.length} values of ${searched.length} people: none found`,
    );
  }, 120_000);
});
