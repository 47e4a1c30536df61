/**
 * libs/policy — partners and information-sharing agreements (SPEC §2, §5): loading and checking
 * `config/partners.yaml` and `config/agreements/*.yaml`, and the pure functions the hub calls for
 * every event and candidate recipient: relationships, consent, evaluation and redaction.
 *
 * For each event about a person, in the order received, the hub:
 *  1. `updateRelationships(state, event, sender, partners)`, `updateConsent(state, event, sender, partners)`
 *     and `updateRestriction(state, event, sender, patient)`;
 *  2. `recipientsFor({ bundle, eventType, sender, partners, agreements, consent, relationships, restricted, now })`;
 *  3. publishes each `deliver` decision's redacted `bundle`, and audits every decision;
 *  4. `endRelationships(state, event, sender, partners)` for roles that end once the event is delivered.
 * Wherever a message names a party, `resolveParty` finds the partners it stands for.
 */
export * from './config/policy-config.error';
export * from './partners/partner';
export * from './partners/partners.loader';
export * from './agreements/agreement';
export * from './agreements/agreements.loader';
export * from './agreements/agreement-diff';
export * from './agreements/agreement-impact';
export * from './parties/party-resolver';
export * from './parties/party-warnings';
export * from './evaluation/restriction';
export * from './evaluation/always-kept';
export * from './evaluation/relationships';
export * from './evaluation/consent-state';
export * from './evaluation/redaction';
export * from './evaluation/evaluate';
