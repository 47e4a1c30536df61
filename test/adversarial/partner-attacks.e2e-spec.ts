/**
 * Red-team acceptance suite (issue 11, items 1–4 and 6): outside partners play the published
 * contract (SPEC §3, §5) against the hub over the real broker — their own broker users, valid UK
 * Core message Bundles written without the hub's builders — and read their own inboxes and the
 * audit. Every attack asserts what a partner must (not) receive, and what the audit must say.
 */
import type { Bundle, Organization, Patient } from 'fhir/r4';
import {
  CAMBERWELL_COURT,
  CROYDON_COURT,
  CROYDON_PROBATION,
  LAMBETH_PROBATION,
  SLAM,
  ST_ANDREWS,
  SYSTEMS,
  appointmentOutcome,
  assessmentCompleted,
  caseAllocated,
  consentEvent,
  endpointOf,
  enforcementDecided,
  episodeEnded,
  gpRegistration,
  newPerson,
  party,
  psrRequested,
  referralAnswered,
  referralRequested,
  requirementTerminated,
  resourceOf,
  riskChanged,
  sentenceImposed,
  type KnownPartner,
  type TestPerson,
} from './partner-bundles';
import {
  agreementFlow,
  destinationOf,
  issuesText,
  RedTeamHarness,
  type Played,
  type ReceivedCopy,
} from './red-team-kit';

const LIAISON_ID = 'sl-liaison-diversion';

describe('red team: partners playing the contract against the hub', () => {
  let hub: RedTeamHarness;

  beforeAll(async () => {
    hub = await RedTeamHarness.start();
  });

  afterAll(async () => {
    await hub?.close();
  });

  // -------------------------------------------------------------------------------------------
  // Given / When / Then
  // -------------------------------------------------------------------------------------------

  /**
   * Given: Croydon probation refers the person to `provider` (named by an Organization entry
   * carrying its ODS code, as partner systems do), the provider accepts, and Croydon allocates
   * the case — the pathway's own connections.
   */
  async function givenInTreatmentWith(person: TestPerson, provider: KnownPartner): Promise<void> {
    const referralId = `R-${person.crn}`;
    const referral = await hub.play(
      referralRequested({ person, owner: party.odsOrganization(provider.ods as string, provider.name), referralId }),
    );
    expect(referral.recipients).toContain(provider.id);
    await hub.playAll(
      referralAnswered({ person, from: provider, answer: 'accepted', referralId }),
      caseAllocated({ person }),
    );
  }

  /** Then: nothing about the person ever reached the partner's inbox. */
  function thenNothingAbout(partnerId: string, person: TestPerson): void {
    const leaked = hub.copiesAbout(partnerId, person).map((copy) => `${copy.type} ${copy.eventId}`);
    expect({ partner: partnerId, received: leaked }).toEqual({ partner: partnerId, received: [] });
  }

  /** Then: the partner got no copy of these events, and the audit delivered none to it. */
  function thenNotDeliveredTo(partnerId: string, ...played: Played[]): void {
    for (const each of played) {
      expect({ event: each.event.type, copyTo: each.copies.has(partnerId) }).toEqual({
        event: each.event.type,
        copyTo: false,
      });
      expect(each.decisionFor(partnerId)?.delivered ?? false).toBe(false);
    }
  }

  /** The Patient of a delivered copy. */
  function patientOf(copy: ReceivedCopy): Patient {
    const patient = resourceOf<Patient>(copy.bundle, 'Patient');
    if (!patient) throw new Error(`${copy.type} to ${copy.recipient} has no Patient`);
    return patient;
  }

  // -------------------------------------------------------------------------------------------
  // 1. Logical-reference routing
  // -------------------------------------------------------------------------------------------

  describe('1. a provider named by logical reference or by a code-only Organization receives what is meant for it', () => {
    it('PSR request whose Task.owner and ServiceRequest.performer are Reference.identifier = ODS RV5: SLaM gets it; St Andrew’s does not; the L&D service sharing RV5 is not made a provider', async () => {
      const person = newPerson();
      const psr = await hub.play(
        psrRequested({ person, provider: party.ods('RV5'), patient: { nhs: true, crn: true, address: true } }),
      );
      expect(psr.recipients).toEqual([SLAM.id]);
      expect(psr.decisionFor(SLAM.id)).toMatchObject({ delivered: true, flow: 'psr-request-to-provider' });
      const copy = psr.copies.get(SLAM.id) as ReceivedCopy;
      expect(destinationOf(copy)).toEqual([endpointOf(SLAM.id)]);
      // The copy still says who was asked.
      expect(copy.text).toContain('"value":"RV5"');
      thenNotDeliveredTo(ST_ANDREWS.id, psr);
      thenNotDeliveredTo(LIAISON_ID, psr);
      thenNothingAbout(ST_ANDREWS.id, person);
      thenNothingAbout(LIAISON_ID, person);
    });

    it('referral whose Task.owner and performer are Reference.identifier = ODS RV5: SLaM only', async () => {
      const person = newPerson();
      const referral = await hub.play(referralRequested({ person, owner: party.ods('RV5') }));
      expect(referral.recipients).toEqual([SLAM.id]);
      expect(referral.decisionFor(SLAM.id)).toMatchObject({ delivered: true, flow: 'referral-to-provider' });
      thenNothingAbout(ST_ANDREWS.id, person);
      thenNothingAbout(LIAISON_ID, person);
    });

    it('referral whose Task.owner is the partner endpoint urn:cstr-hub:partner:slam-mhtr as Reference.identifier: SLaM only', async () => {
      const person = newPerson();
      const referral = await hub.play(
        referralRequested({ person, owner: party.endpoint(SLAM.id), performer: party.endpoint(SLAM.id) }),
      );
      expect(referral.recipients).toEqual([SLAM.id]);
      expect(referral.decisionFor(SLAM.id)?.delivered).toBe(true);
      thenNothingAbout(ST_ANDREWS.id, person);
    });

    it('referral whose owner and performer are an Organization entry carrying only the ODS code NVN: St Andrew’s only', async () => {
      const person = newPerson();
      const referral = await hub.play(
        referralRequested({ person, owner: party.odsOrganization('NVN', 'Womens MHTR service') }),
      );
      expect(referral.recipients).toEqual([ST_ANDREWS.id]);
      expect(referral.decisionFor(ST_ANDREWS.id)?.delivered).toBe(true);
      thenNothingAbout(SLAM.id, person);
    });

    it('sentence whose performers are an Organization with only ODS RV5 and one with only probation provider code N07LA: the provider and the Lambeth unit the court named receive it', async () => {
      const person = newPerson();
      const sentence = await hub.play(
        sentenceImposed({
          person,
          court: CROYDON_COURT,
          performers: [
            party.odsOrganization('RV5', 'Treatment provider'),
            party.probationOrganization('N07LA', 'Supervising probation delivery unit'),
          ],
          patient: { nhs: true, pnc: true },
        }),
      );
      // Croydon covers the court; SLaM and Lambeth are named in the request by its requester, the court.
      expect(sentence.recipients).toEqual([CROYDON_PROBATION.id, LAMBETH_PROBATION.id, SLAM.id]);
      thenNothingAbout(ST_ANDREWS.id, person);
    });
  });

  describe('1b. a party the hub cannot resolve is a warning, never a silent drop', () => {
    it('a referral whose owner is an ODS code no partner has: nobody receives it, and both the answer and the audit warn naming the code', async () => {
      const person = newPerson();
      const referral = referralRequested({ person, owner: party.ods('RZZ', 'Unknown trust') });
      const answer = await hub.submitOverHttp(referral);
      expect(answer.status).toBe(202);
      expect(issuesText(answer.body, 'warning')).toEqual(expect.arrayContaining([expect.stringContaining('RZZ')]));
      const played = await hub.settled(referral);
      expect(played.recipients).toEqual([]);
      expect(played.audit.filter((view) => view.text.includes('RZZ')).length).toBeGreaterThan(0);
      thenNothingAbout(SLAM.id, person);
      thenNothingAbout(ST_ANDREWS.id, person);
    });
  });

  // -------------------------------------------------------------------------------------------
  // 2. Consent by logical reference
  // -------------------------------------------------------------------------------------------

  describe('2. a Consent naming probation by logical reference lets the missed session through', () => {
    it.each([
      ['probation provider code N07 (the London region)', party.probationCode('N07')],
      ['ODS code N07CY', party.ods('N07CY')],
    ])('Consent.provision.actor by %s', async (_how, actor) => {
      const person = newPerson();
      await givenInTreatmentWith(person, SLAM);
      const consentId = `CONSENT-${person.crn}`;
      const consent = await hub.play(consentEvent({ person, from: SLAM, actors: [actor], consentId }));
      // The Consent names Croydon probation, so Croydon hears of it.
      expect(consent.recipients).toContain(CROYDON_PROBATION.id);

      const missed = await hub.play(appointmentOutcome({ person, from: SLAM, outcome: 'missed' }));
      expect(missed.recipients).toEqual([CROYDON_PROBATION.id]);
      expect(missed.decisionFor(CROYDON_PROBATION.id)).toMatchObject({
        delivered: true,
        flow: 'attendance-to-probation',
      });
      expect(missed.decisionFor(CROYDON_PROBATION.id)?.text).toContain(consentId);
      expect(missed.copies.get(CROYDON_PROBATION.id)?.text).toContain('non-attendance-significance');
    });
  });

  // -------------------------------------------------------------------------------------------
  // 3. Restriction remembered across senders
  // -------------------------------------------------------------------------------------------

  describe('3. a restricted patient stays restricted whoever sends next', () => {
    /** True when the record (leaving aside removed-element paths, e.g. `Task.restriction`) mentions a restriction. */
    const mentionsRestriction = (text: string): boolean => /restrict/i.test(text.replace(/Task\.restriction/g, ''));

    function expectNoContactDetails(copy: ReceivedCopy, person: TestPerson): void {
      const patient = patientOf(copy);
      const what = `${copy.type} to ${copy.recipient}`;
      expect({ what, address: patient.address, telecom: patient.telecom, gp: patient.generalPractitioner }).toEqual({
        what,
        address: undefined,
        telecom: undefined,
        gp: undefined,
      });
      for (const secret of [person.addressLine, person.postalCode, person.phone, person.gpOds, person.gpName])
        expect({ what, leaks: copy.text.includes(secret) ? secret : null }).toEqual({ what, leaks: null });
      const practices = (copy.bundle.entry ?? [])
        .map((entry) => entry.resource)
        .filter((resource): resource is Organization => resource?.resourceType === 'Organization')
        .filter((organization) => JSON.stringify(organization.identifier ?? []).includes(person.gpOds));
      expect(practices).toEqual([]);
    }

    it('PDS says R; the court then sends address, telecom and GP without a label: no copy carries them, the audit says the restriction applied; a later PDS event without the label lifts it', async () => {
      const person = newPerson();
      await hub.play(
        gpRegistration({ person, restricted: true, patient: { nhs: true, address: true, telecom: true } }),
      );

      const sentence = await hub.play(
        sentenceImposed({
          person,
          court: CROYDON_COURT,
          performers: [party.odsOrganization('RV5', 'Treatment provider')],
          patient: { nhs: true, pnc: true, address: true, telecom: true, gp: 'organization' },
        }),
      );
      expect(sentence.recipients).toEqual([CROYDON_PROBATION.id, SLAM.id]);
      for (const copy of sentence.copies.values()) expectNoContactDetails(copy, person);
      for (const recipient of [CROYDON_PROBATION.id, SLAM.id])
        expect({
          recipient,
          mentionsRestriction: mentionsRestriction(sentence.decisionFor(recipient)?.text ?? ''),
        }).toEqual({ recipient, mentionsRestriction: true });

      // The referral flow shares Patient.address: only the remembered restriction can keep it back.
      expect(JSON.stringify(agreementFlow('cstr-south-london-mhtr', 'referral-to-provider')?.share)).toContain(
        'address',
      );
      const referral = await hub.play(
        referralRequested({
          person,
          owner: party.odsOrganization('RV5', 'Treatment provider'),
          patient: { nhs: true, crn: true, address: true, telecom: true, gp: 'logical' },
        }),
      );
      expect(referral.recipients).toEqual([SLAM.id]);
      expectNoContactDetails(referral.copies.get(SLAM.id) as ReceivedCopy, person);
      expect(mentionsRestriction(referral.decisionFor(SLAM.id)?.text ?? '')).toBe(true);

      // PDS no longer says R: the restriction is lifted.
      const unrestricted = await hub.play(gpRegistration({ person, change: true, restricted: false }));
      const gpCopy = unrestricted.copies.get(SLAM.id);
      expect(gpCopy && patientOf(gpCopy).generalPractitioner?.length).toBeGreaterThan(0);
      const later = await hub.play(
        referralRequested({
          person,
          owner: party.odsOrganization('RV5', 'Treatment provider'),
          patient: { nhs: true, crn: true, address: true },
        }),
      );
      expect(later.copies.get(SLAM.id)?.text).toContain(person.addressLine);
    });

    it('a restricted person merged with a record known only by CRN stays restricted: a referral by CRN alone discloses no address or telephone', async () => {
      const person = newPerson();
      await hub.play(gpRegistration({ person, restricted: true, patient: { nhs: true } }));
      // Probation knows the person only by CRN at first: another person for the hub…
      await hub.play(caseAllocated({ person, patient: { nhs: false, crn: true } }));
      // …until probation sends both identifiers together, and the two are one.
      await hub.play(riskChanged({ person, from: CROYDON_PROBATION, patient: { nhs: true, crn: true } }));

      const referral = await hub.play(
        referralRequested({
          person,
          owner: party.odsOrganization('RV5', 'Treatment provider'),
          patient: { nhs: false, crn: true, address: true, telecom: true },
        }),
      );
      expect(referral.recipients).toContain(SLAM.id);
      expectNoContactDetails(referral.copies.get(SLAM.id) as ReceivedCopy, person);
      expect(mentionsRestriction(referral.decisionFor(SLAM.id)?.text ?? '')).toBe(true);
    });
  });

  // -------------------------------------------------------------------------------------------
  // 4. Self-connection refused
  // -------------------------------------------------------------------------------------------

  describe('4. publishing about a person connects nobody', () => {
    it('a provider never named or referred publishes about a stranger; the court and probation then act: it receives nothing about the person', async () => {
      const person = newPerson();
      await hub.play(appointmentOutcome({ person, from: ST_ANDREWS, outcome: 'attended' }));
      await hub.play(riskChanged({ person, from: ST_ANDREWS }));

      const sentence = await hub.play(
        sentenceImposed({
          person,
          court: CROYDON_COURT,
          performers: [party.odsOrganization('RV5', 'Treatment provider')],
          patient: { nhs: true, pnc: true },
        }),
      );
      const allocation = await hub.play(caseAllocated({ person }));
      const risk = await hub.play(riskChanged({ person, from: CROYDON_PROBATION }));
      // The pathway works for the partners that do have a role…
      expect(sentence.recipients).toContain(SLAM.id);
      expect(risk.recipients).toContain(SLAM.id);
      // …and gives the self-appointed one nothing.
      thenNotDeliveredTo(ST_ANDREWS.id, sentence, allocation, risk);
      thenNothingAbout(ST_ANDREWS.id, person);
    });

    it('a provider that names itself as performer of what it sends (an assessment nobody asked of it) gets no connection', async () => {
      const person = newPerson();
      await givenInTreatmentWith(person, SLAM);
      await hub.play(assessmentCompleted({ person, from: ST_ANDREWS }));

      const risk = await hub.play(riskChanged({ person, from: CROYDON_PROBATION }));
      const enforcement = await hub.play(enforcementDecided({ person, provider: party.ods('RV5') }));
      expect(risk.recipients).toEqual([SLAM.id]);
      expect(enforcement.recipients).toEqual([SLAM.id]);
      thenNothingAbout(ST_ANDREWS.id, person);
    });

    it('a provider that "accepts" a referral made to another provider, naming itself as Task.owner, gets no connection', async () => {
      const person = newPerson();
      const referral = await hub.play(
        referralRequested({ person, owner: party.odsOrganization('RV5', 'Treatment provider') }),
      );
      expect(referral.recipients).toEqual([SLAM.id]);

      await hub.play(
        referralAnswered({
          person,
          from: ST_ANDREWS,
          answer: 'accepted',
          owner: party.odsOrganization('NVN', 'Womens MHTR service'),
        }),
      );

      const risk = await hub.play(riskChanged({ person, from: CROYDON_PROBATION }));
      const enforcement = await hub.play(enforcementDecided({ person, provider: party.ods('RV5') }));
      expect(risk.recipients).toEqual([SLAM.id]);
      expect(enforcement.recipients).toEqual([SLAM.id]);
      thenNothingAbout(ST_ANDREWS.id, person);
    });
  });

  // -------------------------------------------------------------------------------------------
  // 5. Consent credited to its sender only
  // -------------------------------------------------------------------------------------------

  describe('5. a Consent is credited to the partner that sent it', () => {
    it('St Andrew’s records a Consent whose organization is SLaM; SLaM’s missed session is refused consent-missing, with a warning about the Consent naming another organisation', async () => {
      const person = newPerson();
      await givenInTreatmentWith(person, SLAM);

      const consent = consentEvent({
        person,
        from: ST_ANDREWS,
        organization: party.endpoint(SLAM.id),
        actors: [party.odsOrganization('N07CY', 'Croydon probation')],
        consentId: `FORGED-${person.crn}`,
      });
      const answer = await hub.submitOverHttp(consent);
      expect(answer.status).toBe(202);
      const consentAudit = await hub.handled(consent);

      const missed = await hub.play(appointmentOutcome({ person, from: SLAM, outcome: 'missed' }));
      expect(missed.decisionFor(CROYDON_PROBATION.id)).toMatchObject({ refused: true, rule: 'consent-missing' });
      expect(missed.copies.has(CROYDON_PROBATION.id)).toBe(false);

      // The answer, or the consent's audit (the records to others than SLaM), warns that the Consent's
      // organization is another partner than its sender.
      const aboutSlamAsOrganisation = (text: string): boolean =>
        /organi[sz]ation/i.test(text) && (text.includes(SLAM.id) || text.includes(endpointOf(SLAM.id)));
      const candidates = [
        ...issuesText(answer.body, 'warning'),
        ...consentAudit.filter((view) => view.recipient !== SLAM.id).map((view) => view.text),
      ];
      expect({ answer: answer.body, warnings: candidates.filter(aboutSlamAsOrganisation).length > 0 }).toMatchObject({
        warnings: true,
      });
    });
  });

  // -------------------------------------------------------------------------------------------
  // 6. Withdrawal, then later events
  // -------------------------------------------------------------------------------------------

  describe('6. a withdrawal stops the next event at once', () => {
    it('consent recorded, withdrawn and a missed session published back to back: refused consent-withdrawn, the refusal names the withdrawal', async () => {
      const person = newPerson();
      await givenInTreatmentWith(person, SLAM);
      const consentId = `CONSENT-${person.crn}`;
      const actors = [party.odsOrganization('N07CY', 'Croydon probation')];
      const recorded = consentEvent({ person, from: SLAM, actors, consentId });
      const withdrawn = consentEvent({ person, from: SLAM, actors, consentId, withdrawn: true });
      const missed = appointmentOutcome({ person, from: SLAM, outcome: 'missed' });
      for (const event of [recorded, withdrawn, missed]) await hub.publish(event);

      const played = await hub.settled(missed);
      const refusal = played.decisionFor(CROYDON_PROBATION.id);
      expect(refusal).toMatchObject({ refused: true, rule: 'consent-withdrawn' });
      expect(refusal?.text.includes(withdrawn.eventId) || refusal?.text.includes(consentId)).toBe(true);
      expect(played.copies.has(CROYDON_PROBATION.id)).toBe(false);
      await hub.handled(recorded);
      await hub.handled(withdrawn);
    });

    it('a withdrawal accepted over HTTP (202), then at once a missed session over AMQP: refused consent-withdrawn', async () => {
      const person = newPerson();
      await givenInTreatmentWith(person, SLAM);
      const consentId = `CONSENT-${person.crn}`;
      const actors = [party.odsOrganization('N07CY', 'Croydon probation')];
      const recorded = await hub.play(consentEvent({ person, from: SLAM, actors, consentId }));
      expect(recorded.recipients).toContain(CROYDON_PROBATION.id);

      const withdrawn = consentEvent({ person, from: SLAM, actors, consentId, withdrawn: true });
      expect((await hub.submitOverHttp(withdrawn)).status).toBe(202);
      const missed = appointmentOutcome({ person, from: SLAM, outcome: 'missed' });
      await hub.publish(missed);

      const played = await hub.settled(missed);
      // The withdrawal itself was taken as SLaM's (the partner that submitted it).
      const withdrawal = await hub.handled(withdrawn);
      expect(withdrawal.map((view) => [view.sender, view.refused && !view.decision])).toEqual(
        withdrawal.map(() => [SLAM.id, false]),
      );
      expect(played.decisionFor(CROYDON_PROBATION.id)).toMatchObject({ refused: true, rule: 'consent-withdrawn' });
      expect(played.copies.has(CROYDON_PROBATION.id)).toBe(false);
    });
  });

  // -------------------------------------------------------------------------------------------
  // 7. A request goes to the partner it names; a role ends with its end
  // -------------------------------------------------------------------------------------------

  describe('7. requests go to the partner they name, and a connection ends with the role', () => {
    it('a person in treatment with St Andrew’s is referred to SLaM: only SLaM receives the referral', async () => {
      const person = newPerson();
      await givenInTreatmentWith(person, ST_ANDREWS);
      const referral = await hub.play(
        referralRequested({ person, owner: party.odsOrganization('RV5', 'Treatment provider') }),
      );
      expect(referral.recipients).toEqual([SLAM.id]);
      thenNotDeliveredTo(ST_ANDREWS.id, referral);
    });

    it('a provider that rejects the referral receives no later risk or enforcement event', async () => {
      const person = newPerson();
      await hub.play(referralRequested({ person, owner: party.odsOrganization('NVN', 'Womens MHTR service') }));
      const before = await hub.play(riskChanged({ person, from: CROYDON_PROBATION }));
      expect(before.recipients).toEqual([ST_ANDREWS.id]);

      await hub.play(referralAnswered({ person, from: ST_ANDREWS, answer: 'rejected' }));
      const risk = await hub.play(riskChanged({ person, from: CROYDON_PROBATION }));
      const enforcement = await hub.play(enforcementDecided({ person, provider: party.ods('RV5') }));
      thenNotDeliveredTo(ST_ANDREWS.id, risk, enforcement);
    });

    it('a provider that ends the episode receives no later risk or enforcement event', async () => {
      const person = newPerson();
      await givenInTreatmentWith(person, SLAM);
      const before = await hub.play(riskChanged({ person, from: CROYDON_PROBATION }));
      expect(before.recipients).toEqual([SLAM.id]);

      await hub.play(episodeEnded({ person, from: SLAM }));
      const risk = await hub.play(riskChanged({ person, from: CROYDON_PROBATION }));
      const enforcement = await hub.play(enforcementDecided({ person, provider: party.ods('RV5') }));
      thenNotDeliveredTo(SLAM.id, risk, enforcement);
    });

    it('once probation terminates the requirement, the provider hears of the termination and of nothing after it', async () => {
      const person = newPerson();
      await givenInTreatmentWith(person, SLAM);
      const before = await hub.play(riskChanged({ person, from: CROYDON_PROBATION }));
      expect(before.recipients).toEqual([SLAM.id]);

      const terminated = await hub.play(
        requirementTerminated({ person, provider: party.odsOrganization('RV5', 'Treatment provider') }),
      );
      expect(terminated.recipients).toEqual([SLAM.id]);
      const risk = await hub.play(riskChanged({ person, from: CROYDON_PROBATION }));
      const enforcement = await hub.play(enforcementDecided({ person, provider: party.ods('RV5') }));
      thenNotDeliveredTo(SLAM.id, risk, enforcement);
    });
  });

  // -------------------------------------------------------------------------------------------
  // 8. Unknown identifier systems link nothing
  // -------------------------------------------------------------------------------------------

  describe('8. an identifier under a system the hub does not know links nothing', () => {
    it('two people sharing a custody record number under an unknown system stay two people, and the answer warns naming the system', async () => {
      const unknownSystem = 'https://custody.example.org.uk/Id/custody-record';
      const shared = [{ system: unknownSystem, value: `CR-${newPerson().crn}` }];
      const first = newPerson();
      const second = newPerson();
      const shape = { nhs: true, extraIdentifiers: shared } as const;

      const firstSentence = await hub.play(
        sentenceImposed({
          person: first,
          court: CROYDON_COURT,
          performers: [party.odsOrganization('RV5', 'Treatment provider')],
          patient: shape,
        }),
      );
      expect(firstSentence.recipients).toEqual([CROYDON_PROBATION.id, SLAM.id]);

      const secondSentence = sentenceImposed({
        person: second,
        court: CAMBERWELL_COURT,
        performers: [party.odsOrganization('NVN', 'Womens MHTR service')],
        patient: shape,
      });
      const answer = await hub.submitOverHttp(secondSentence);
      expect(answer.status).toBe(202);
      expect(issuesText(answer.body, 'warning')).toEqual(
        expect.arrayContaining([expect.stringContaining(unknownSystem)]),
      );
      const secondPlayed = await hub.settled(secondSentence);
      expect(secondPlayed.recipients).toEqual([LAMBETH_PROBATION.id, ST_ANDREWS.id]);

      const firstRisk = await hub.play(riskChanged({ person: first, from: CROYDON_PROBATION, patient: shape }));
      const secondRisk = await hub.play(riskChanged({ person: second, from: LAMBETH_PROBATION, patient: shape }));
      expect(firstRisk.recipients).toEqual([SLAM.id]);
      expect(secondRisk.recipients).toEqual([ST_ANDREWS.id]);
      thenNothingAbout(ST_ANDREWS.id, first);
      thenNothingAbout(LAMBETH_PROBATION.id, first);
      thenNothingAbout(SLAM.id, second);
      thenNothingAbout(CROYDON_PROBATION.id, second);
    });
  });

  // -------------------------------------------------------------------------------------------
  // 9. Identifiers out
  // -------------------------------------------------------------------------------------------

  describe('9. the identifiers the hub adds to a delivered Patient are those the flow allows', () => {
    const KNOWN_SYSTEMS: Record<string, string> = {
      [SYSTEMS.nhsNumber]: 'nhs-number',
      [SYSTEMS.crn]: 'crn',
      [SYSTEMS.pncId]: 'pnc-id',
      [SYSTEMS.croNumber]: 'cro-number',
      [SYSTEMS.commonPlatformDefendantId]: 'common-platform-defendant-id',
    };

    /** The identifier systems a flow of config/agreements states (by URL or short name), wherever it states them. */
    function systemsStatedBy(agreementId: string, flowId: string): string[] {
      const flow = agreementFlow(agreementId, flowId);
      if (!flow) throw new Error(`No flow ${flowId} in agreement ${agreementId}`);
      const { purpose: _purpose, ...rest } = flow;
      const text = JSON.stringify(rest);
      return Object.entries(KNOWN_SYSTEMS)
        .filter(([url, name]) => text.includes(url) || new RegExp(`\\b${name}\\b`).test(text.replaceAll(url, '')))
        .map(([url]) => url);
    }

    function identifierSystems(bundle: Bundle): string[] {
      return (resourceOf<Patient>(bundle, 'Patient')?.identifier ?? []).map((identifier) => String(identifier.system));
    }

    it('a sentence with only a PNC ID, for a person whose NHS number the hub learnt from the GP service: each copy carries only the systems its flow allows', async () => {
      const person = newPerson();
      await hub.play(gpRegistration({ person, patient: { nhs: true } }));
      await hub.play(caseAllocated({ person, patient: { nhs: true, crn: true, pnc: true } }));

      const sentence = await hub.play(
        sentenceImposed({
          person,
          court: CROYDON_COURT,
          performers: [party.odsOrganization('RV5', 'Treatment provider')],
          patient: { nhs: false, pnc: true },
        }),
      );
      expect(sentence.recipients).toEqual([CROYDON_PROBATION.id, SLAM.id]);
      for (const [recipient, copy] of sentence.copies) {
        const decision = sentence.decisionFor(recipient);
        const allowed = new Set([SYSTEMS.pncId, ...systemsStatedBy(decision?.agreement ?? '', decision?.flow ?? '')]);
        const systems = identifierSystems(copy.bundle);
        expect({ recipient, notAllowed: systems.filter((system) => !allowed.has(system)) }).toEqual({
          recipient,
          notAllowed: [],
        });
        // Where the flow allows the NHS number, the hub adds the one it knows.
        const nhs = resourceOf<Patient>(copy.bundle, 'Patient')?.identifier?.find(
          (identifier) => identifier.system === SYSTEMS.nhsNumber,
        );
        expect({ recipient, nhs: nhs?.value ?? null }).toEqual({
          recipient,
          nhs: allowed.has(SYSTEMS.nhsNumber) ? person.nhsNumber : null,
        });
      }
    });
  });
});
