import { EVENT_TYPES, EVENT_TYPE_SYSTEM } from '../event-types';
import { partnerEndpoint, partnerIdFromEndpoint } from '../partner-endpoint';
import {
  EVENT_TYPE_CODE_SYSTEM,
  HUB_CODE_SYSTEM_BASE,
  HUB_CODE_SYSTEMS,
  NON_ATTENDANCE_SIGNIFICANCE_SYSTEM,
  OBSERVATION_TYPE_SYSTEM,
  REQUIREMENT_TYPE_CODE_SYSTEM,
  REQUIREMENT_TYPE_CODES,
  SCREENING_FLAG_CODES,
  findHubCodeSystem,
  hubCodeDisplay,
} from './index';

describe('hub CodeSystems', () => {
  it.each(HUB_CODE_SYSTEMS.map((system) => [system.id, system] as const))(
    '%s is a well-formed FHIR CodeSystem',
    (id, system) => {
      expect(system.resourceType).toBe('CodeSystem');
      expect(system.url).toBe(`${HUB_CODE_SYSTEM_BASE}${id}`);
      expect(id).toMatch(/^[a-z]+(-[a-z0-9]+)*$/);
      expect(system.name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
      expect(system.status).toBe('active');
      if (system.content === 'not-present') {
        expect(system.concept).toEqual([]);
        expect(system.count).toBeUndefined();
      } else {
        expect(system.count).toBe(system.concept.length);
        expect(system.concept.length).toBeGreaterThan(0);
      }
      const codes = system.concept.map((concept) => concept.code);
      expect(new Set(codes).size).toBe(codes.length);
      for (const concept of system.concept) {
        expect(concept.code).toMatch(/^\S+$/);
        expect(concept.display.trim()).not.toBe('');
        expect(concept.definition.trim()).not.toBe('');
      }
    },
  );

  it('have unique canonical URLs, ids and names', () => {
    for (const key of ['url', 'id', 'name'] as const) {
      const values = HUB_CODE_SYSTEMS.map((system) => system[key]);
      expect(new Set(values).size).toBe(values.length);
    }
  });

  it('the event-type CodeSystem has exactly the catalogue event types, in order, at EVENT_TYPE_SYSTEM', () => {
    expect(EVENT_TYPE_CODE_SYSTEM.url).toBe(EVENT_TYPE_SYSTEM);
    expect(EVENT_TYPE_CODE_SYSTEM.concept.map((concept) => concept.code)).toEqual([...EVENT_TYPES]);
    expect(EVENT_TYPE_CODE_SYSTEM.count).toBe(30);
  });

  it('include the systems agreements and builders rely on', () => {
    expect(findHubCodeSystem(OBSERVATION_TYPE_SYSTEM)?.concept.map((concept) => concept.code)).toEqual(
      expect.arrayContaining([
        'non-attendance-significance',
        'suitability',
        'clinical-lead-decision',
        'engagement-summary',
      ]),
    );
    expect(findHubCodeSystem(NON_ATTENDANCE_SIGNIFICANCE_SYSTEM)?.concept.map((concept) => concept.code)).toEqual([
      'acceptable',
      'unacceptable',
      'logistics',
    ]);
    expect(findHubCodeSystem('https://example.org/CodeSystem/x')).toBeUndefined();
  });

  it('list their codes as typed constants', () => {
    expect(REQUIREMENT_TYPE_CODES).toEqual(['mhtr-primary', 'mhtr-secondary', 'drr', 'atr']);
    expect(SCREENING_FLAG_CODES).toEqual([
      'mental-health',
      'substance-misuse',
      'learning-disability',
      'neurodevelopmental',
    ]);
  });

  it('look up displays by code', () => {
    expect(hubCodeDisplay(REQUIREMENT_TYPE_CODE_SYSTEM, 'drr')).toBe('Drug Rehabilitation Requirement');
  });
});

describe('partnerEndpoint', () => {
  it('makes the partner URN of SPEC §3 and reads it back', () => {
    expect(partnerEndpoint('nps-london')).toBe('urn:cstr-hub:partner:nps-london');
    expect(partnerIdFromEndpoint(partnerEndpoint('st-andrews-mhtr'))).toBe('st-andrews-mhtr');
    expect(partnerIdFromEndpoint('urn:cstr-hub:partner:')).toBeUndefined();
    expect(partnerIdFromEndpoint('https://example.org/endpoint')).toBeUndefined();
  });
});
