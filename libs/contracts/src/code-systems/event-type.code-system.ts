import { EVENT_TYPES, EVENT_TYPE_SYSTEM, type EventType } from '../event-types';
import { EVENT_CATALOGUE } from '../event-catalogue';
import { hubCodeSystem, type HubConcept } from './hub-code-system';

const EVENT_TYPE_CONCEPTS: readonly HubConcept<EventType>[] = EVENT_TYPES.map((code) => ({
  code,
  display: EVENT_CATALOGUE[code].display,
  definition: EVENT_CATALOGUE[code].summary,
}));

/** The event catalogue as a CodeSystem: what `MessageHeader.eventCoding` draws from. */
export const EVENT_TYPE_CODE_SYSTEM = hubCodeSystem<EventType>({
  id: EVENT_TYPE_SYSTEM.slice(EVENT_TYPE_SYSTEM.lastIndexOf('/') + 1),
  name: 'CstrEventType',
  title: 'CSTR hub event types',
  description:
    'The events exchanged through the hub on the Community Sentence Treatment Requirement pathway (SPEC §3).',
  concepts: EVENT_TYPE_CONCEPTS,
});
