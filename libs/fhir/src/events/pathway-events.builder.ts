/** Events the hub raises itself: a pathway candidate, a missed deadline. */
import {
  ALERT_TYPE_SYSTEM,
  DEADLINE_KIND_SYSTEM,
  hubCodeDisplay,
  REQUIREMENT_TYPE_CODE_SYSTEM,
  SCREENING_FLAG_CODE_SYSTEM,
  SCREENING_FLAG_SYSTEM,
  TASK_TYPE_SYSTEM,
} from '@cstr/contracts';
import { buildFlag } from '../builders/clinical.builders';
import { hubConcept } from '../builders/codings';
import { SOURCE_EVENT_EXTENSION } from '../builders/hub-extensions';
import { EVENT_ID_SYSTEM } from '../builders/hub-identifiers';
import { referenceTo } from '../builders/resource-ids';
import { buildTask } from '../builders/workflow.builders';
import type { PathwayCandidateIdentifiedInput, PathwayDeadlineMissedInput } from './event-inputs';
import type { EventMessage } from './event-message';

/**
 * `pathway.candidate.identified`: a Flag (alert-type `pathway-candidate`) saying where and when the
 * person is listed and which needs the earlier L&D screen identified, active on the hearing day;
 * the screening event's id in the hub extension `source-event`.
 */
export function buildCandidateIdentified(message: EventMessage, input: PathwayCandidateIdentifiedInput): void {
  const { candidate } = input;
  const needs = candidate.needs
    .map((need) => hubCodeDisplay(SCREENING_FLAG_CODE_SYSTEM, need)?.toLowerCase() ?? need)
    .join(', ');
  const suggested = (candidate.suggestedRequirements ?? []).map(
    (type) => hubCodeDisplay(REQUIREMENT_TYPE_CODE_SYSTEM, type) ?? type,
  );
  const where = `${candidate.hearing.court.name}${candidate.hearing.room ? `, ${candidate.hearing.room}` : ''}`;
  const text = [
    `Listed at ${where} on ${candidate.hearing.start}.`,
    `Liaison and Diversion screening on ${candidate.screenedOn} identified: ${needs || 'no need recorded'}.`,
    suggested.length
      ? `May be suitable for: ${suggested.join('; ')}.`
      : 'May be suitable for a community sentence treatment requirement.',
  ].join(' ');
  message.focus('Flag', (id) =>
    buildFlag(id, {
      extension: [
        {
          url: SOURCE_EVENT_EXTENSION,
          valueIdentifier: { system: EVENT_ID_SYSTEM, value: candidate.screeningEventId },
        },
      ],
      status: 'active',
      category: [
        hubConcept(ALERT_TYPE_SYSTEM, 'pathway-candidate'),
        ...candidate.needs.map((need) => hubConcept(SCREENING_FLAG_SYSTEM, need)),
      ],
      code: { ...hubConcept(ALERT_TYPE_SYSTEM, 'pathway-candidate'), text },
      subject: message.patient,
      period: {
        start: candidate.hearing.start,
        end: candidate.hearing.end ?? `${candidate.hearing.start.slice(0, 10)}T23:59:59Z`,
      },
      author: referenceTo(message.sender, message.sender.resource.name),
    }),
  );
}

/**
 * `pathway.deadline.missed`: a Task (task-type `overdue-step`, reason = the deadline kind) owned
 * by the partner who owes the step, with the deadline as its restriction period end.
 */
export function buildDeadlineMissed(message: EventMessage, input: PathwayDeadlineMissedInput): void {
  const { deadline } = input;
  message.focus('Task', (id) =>
    buildTask(id, {
      status: 'requested',
      intent: 'order',
      priority: 'urgent',
      code: hubConcept(TASK_TYPE_SYSTEM, 'overdue-step'),
      ...(deadline.description ? { description: deadline.description } : {}),
      for: message.patient,
      authoredOn: deadline.detectedAt,
      requester: referenceTo(message.sender, message.sender.resource.name),
      owner: message.organizationRef(deadline.owedBy),
      reasonCode: hubConcept(DEADLINE_KIND_SYSTEM, deadline.kind),
      restriction: { period: { end: deadline.dueAt } },
      ...(deadline.triggeringEventId
        ? {
            input: [
              {
                type: { text: 'Triggering event' },
                valueIdentifier: { system: EVENT_ID_SYSTEM, value: deadline.triggeringEventId },
              },
            ],
          }
        : {}),
    }),
  );
}
