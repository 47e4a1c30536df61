/**
 * Every fixture of every partner, mapped and built into its FHIR message Bundle, validates
 * against UK Core and the event contract with no errors.
 */
import type { EventInput } from '../events/event-inputs';
import { tryBuildEventBundle } from '../events';
import { errorsOf, validateMessageBundle } from '../validation';
import { expectEvents, partnerFixture, testContext } from '@cstr/fixtures/fhir/partner/partner-fixtures';
import { mapHearingListed, mapHearingResulted } from './common-platform-hearing.mapper';
import { mapHmppsDomainEvent } from './hmpps-domain-event.mapper';
import { mapLdScreening } from './ld-screening.mapper';
import { mapLibraDailyList } from './libra-case.mapper';
import type { MapResult } from './map-result';
import { mapPdsPatient } from './pds-patient.mapper';
import { mapProviderResource } from './provider-fhir.mapper';

const court = testContext(
  'croydon-mc',
  { code: 'B01CY00', codeKind: 'court', name: "Croydon Magistrates' Court" },
  '2026-12-01T10:05:00Z',
);
const probation = testContext('nps-london', { code: 'N07', name: 'London Probation Service' }, '2026-12-16T14:33:00Z');
const ld = testContext(
  'croydon-ld',
  { code: 'RV5', name: 'Croydon Liaison and Diversion Service' },
  '2026-11-03T03:26:00Z',
);
const pds = testContext('pds', { code: 'X26', name: 'NHS England (PDS)' }, '2027-01-06T08:00:00Z');
const provider = testContext(
  'slam-mhtr',
  { code: 'RV5', name: 'South London and Maudsley NHS Foundation Trust' },
  '2027-02-03T10:40:00Z',
);
const hmpps = (name: string) =>
  mapHmppsDomainEvent(
    partnerFixture('hmpps', `${name}.event.json`),
    partnerFixture('hmpps', `${name}.detail.json`),
    probation,
  );
const fromProvider = (name: string) =>
  mapProviderResource(partnerFixture('provider', name), partnerFixture('provider', 'patient.json'), provider);

const CASES: [string, () => MapResult][] = [
  [
    'common-platform hearing listed, two defendants',
    () => mapHearingListed(partnerFixture('common-platform', 'hearing-listed-multi-defendant.json'), court),
  ],
  [
    'common-platform adjourned for report',
    () => mapHearingResulted(partnerFixture('common-platform', 'hearing-resulted-adjourned-for-report.json'), court),
  ],
  [
    'common-platform community order MHTR + ATR',
    () =>
      mapHearingResulted(partnerFixture('common-platform', 'hearing-resulted-community-order-mhtr-atr.json'), court),
  ],
  [
    'common-platform suspended sentence DRR',
    () => mapHearingResulted(partnerFixture('common-platform', 'hearing-resulted-suspended-sentence-drr.json'), court),
  ],
  ['libra daily list', () => mapLibraDailyList(partnerFixture('libra', 'daily-list-croydon.json'), court)],
  [
    'libra summer-time list',
    () => mapLibraDailyList(partnerFixture('libra', 'daily-list-single-case-british-summer-time.json'), court),
  ],
  ['hmpps RoSH registration', () => hmpps('registration-added-rosh-high')],
  ['hmpps MAPPA registration', () => hmpps('registration-added-mappa')],
  ['hmpps PSR requested', () => hmpps('psr-requested')],
  ['hmpps case allocated', () => hmpps('case-allocated')],
  ['hmpps enforcement decided', () => hmpps('enforcement-decided')],
  ['hmpps requirement terminated', () => hmpps('requirement-terminated')],
  ['ld consent given', () => mapLdScreening(partnerFixture('ld', 'screening-custody-consent-given.json'), ld)],
  ['ld consent refused', () => mapLdScreening(partnerFixture('ld', 'screening-court-consent-refused.json'), ld)],
  ['ld no needs', () => mapLdScreening(partnerFixture('ld', 'screening-custody-no-needs.json'), ld)],
  ['pds registered', () => mapPdsPatient(partnerFixture('pds', 'patient-registered.json'), pds)],
  ['pds restricted', () => mapPdsPatient(partnerFixture('pds', 'patient-restricted.json'), pds)],
  ['pds unregistered', () => mapPdsPatient(partnerFixture('pds', 'patient-unregistered.json'), pds)],
  [
    'pds changed GP',
    () =>
      mapPdsPatient(partnerFixture('pds', 'patient-changed-gp.json'), pds, {
        previous: { odsCode: 'H85026', start: '2019-04-01' },
      }),
  ],
  ['provider appointment booked', () => fromProvider('appointment-booked-three-way-meeting.json')],
  ['provider appointment attended', () => fromProvider('appointment-fulfilled-session.json')],
  ['provider appointment missed', () => fromProvider('appointment-noshow-unacceptable.json')],
  ['provider referral accepted', () => fromProvider('task-referral-accepted.json')],
  ['provider referral rejected', () => fromProvider('task-referral-rejected.json')],
  ['provider risk assessment', () => fromProvider('risk-assessment-high.json')],
  ['provider episode ended', () => fromProvider('episode-of-care-completed.json')],
  ['provider consent recorded', () => fromProvider('consent-share-with-probation.json')],
  ['provider consent withdrawn', () => fromProvider('consent-withdrawn.json')],
];

function bundleErrors(event: EventInput): unknown[] {
  const built = tryBuildEventBundle(event);
  if (!built.ok) return [{ build: built.outcome.issue }];
  return errorsOf(validateMessageBundle(built.resource));
}

describe('mapped partner fixtures build valid message Bundles', () => {
  it.each(CASES)('%s', (_name, map) => {
    const { events } = expectEvents(map());
    for (const event of events)
      expect({ type: event.type, errors: bundleErrors(event) }).toEqual({ type: event.type, errors: [] });
  });
});
