/** Shared set-up of the policy tests: the site's partners and agreements, and event Bundles from the fixtures. */
import { join } from 'node:path';
import { EVENT_TYPES, type EventType } from '@cstr/contracts';
import { buildEventBundle } from '@cstr/fhir';
import type { Bundle } from 'fhir/r4';
import { loadEventFixture } from '@cstr/fixtures/fhir/events/event-fixtures';
import { loadAgreementsDir } from '../src/agreements/agreements.loader';
import type { Agreement } from '../src/agreements/agreement';
import { loadPartnersFile } from '../src/partners/partners.loader';
import { HUB_PARTY, type Partner, type Sender } from '../src/partners/partner';

/** The project root. */
export const ROOT = join(__dirname, '..', '..', '..');
/** This lib's test fixtures. */
export const FIXTURES = join(__dirname, 'fixtures');

/** The site's partners (config/partners.yaml). */
export const PARTNERS: readonly Partner[] = loadPartnersFile(join(ROOT, 'config', 'partners.yaml'));
/** The site's agreements (config/agreements). */
export const AGREEMENTS: readonly Agreement[] = loadAgreementsDir(join(ROOT, 'config', 'agreements'), PARTNERS);

/** A partner of the site by id; fails loudly when there is none. */
export function partner(id: string): Partner {
  const found = PARTNERS.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`No partner ${id} in config/partners.yaml`);
  return found;
}

/** The sender of a fixture event: its partner, or the hub. */
export function senderOf(bundle: Bundle): Sender {
  const header = bundle.entry?.[0]?.resource as { source?: { name?: string } } | undefined;
  const id = header?.source?.name;
  return PARTNERS.find((candidate) => candidate.id === id) ?? HUB_PARTY;
}

const built = new Map<EventType, Bundle>();

/** The message Bundle of the fixture of `type` (built once; callers get a fresh copy). */
export function fixtureBundle(type: EventType, change?: (input: ReturnType<typeof loadEventFixture>) => void): Bundle {
  if (change) {
    const input = loadEventFixture(type);
    change(input);
    return buildEventBundle(input);
  }
  if (!built.has(type)) built.set(type, buildEventBundle(loadEventFixture(type)));
  return structuredClone(built.get(type) as Bundle);
}

/** Every fixture event type. */
export const FIXTURE_TYPES: readonly EventType[] = EVENT_TYPES;
