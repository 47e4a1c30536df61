/**
 * Every place an event names a party, checked with the one resolver: a reference the hub cannot
 * resolve to a partner (or a GP practice) is a warning for the sender's OperationOutcome and the
 * audit record — never a silent drop (SPEC §3). Pure.
 */
import type { OperationOutcomeIssue } from '@cstr/contracts';
import type { Bundle, Reference } from 'fhir/r4';
import { asArray, isObject, resourceEntries } from '@cstr/fhir';
import type { Partner, Sender } from '../partners/partner';
import { consentWarnings } from '../evaluation/consent-state';
import { resolveParty } from './party-resolver';

/** The references to parties one resource holds, with the element each sits in. */
function namedParties(resource: Record<string, unknown>): [string, Reference | undefined][] {
  const many = (element: string): [string, Reference | undefined][] =>
    asArray(resource[element] as Reference[] | undefined).map((reference, index): [string, Reference] => [
      `${element}[${index}]`,
      reference,
    ]);
  switch (resource.resourceType) {
    case 'ServiceRequest':
      return many('performer');
    case 'Task':
      return [['owner', resource.owner as Reference | undefined]];
    case 'Patient':
      return many('generalPractitioner');
    case 'CareTeam':
      return [
        ...many('managingOrganization'),
        ...asArray(resource.participant as { member?: Reference }[] | undefined).map(
          (participant, index): [string, Reference | undefined] => [
            `participant[${index}].member`,
            participant?.member,
          ],
        ),
      ];
    case 'MessageHeader':
      return asArray(resource.destination as { receiver?: Reference }[] | undefined).map(
        (destination, index): [string, Reference | undefined] => [
          `destination[${index}].receiver`,
          destination?.receiver,
        ],
      );
    default:
      return [];
  }
}

/**
 * Warnings about the parties an event names: each reference (request performer or owner, care team,
 * GP, `MessageHeader.destination`, Consent actor) the hub cannot resolve, and each Consent whose
 * `organization` or `performer` names a partner other than the sender.
 */
export function partyWarnings(bundle: Bundle, sender: Sender, partners: readonly Partner[]): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  resourceEntries(bundle).forEach((entry, index) => {
    const resource = entry.resource as unknown as Record<string, unknown>;
    for (const [element, reference] of namedParties(resource)) {
      if (!isObject(reference)) continue;
      const resolved = resolveParty(bundle, reference, partners);
      if (resolved.unresolved === undefined) continue;
      issues.push({
        severity: 'warning',
        code: 'not-found',
        diagnostics: `${String(resource.resourceType)}.${element} names an organisation the hub cannot resolve to a partner (${resolved.unresolved}): nobody is connected, addressed or consented by it.`,
        expression: [`Bundle.entry[${index}].resource.${element}`],
      });
    }
  });
  return [...issues, ...consentWarnings(bundle, sender, partners)];
}
