/** Codings from the hub CodeSystems, with their displays looked up so they never drift. */
import { findHubCodeSystem } from '@cstr/contracts';
import type { CodeableConcept, Coding } from 'fhir/r4';

/**
 * A Coding of a hub CodeSystem with its published display. A code the system does not define
 * keeps no display (the validator reports it); the builders only pass typed codes.
 */
export function hubCoding(system: string, code: string): Coding {
  const display = findHubCodeSystem(system)?.concept.find((concept) => concept.code === code)?.display;
  return display ? { system, code, display } : { system, code };
}

/** A CodeableConcept with one hub Coding, and optional text. */
export function hubConcept(system: string, code: string, text?: string): CodeableConcept {
  return text ? { coding: [hubCoding(system, code)], text } : { coding: [hubCoding(system, code)] };
}

/** v3 Confidentiality `R` (restricted): the PDS security label of a restricted record. */
export const RESTRICTED_SECURITY_LABEL: Coding = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality',
  code: 'R',
  display: 'restricted',
};
