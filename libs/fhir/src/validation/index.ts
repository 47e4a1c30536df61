/**
 * FHIR validation against the UK Core kit: resources, and message Bundles as the event contract.
 */
export {
  FhirValidator,
  fhirValidator,
  validateResource,
  type FhirValidatorOptions,
  type ResourceValidationOptions,
  type StructureEngine,
  type ValidationContext,
} from './fhir-validator';
export { PARTNER_ENDPOINT_PATTERN, validateMessageBundle } from './message-bundle.rules';
export { errorsOf, isValid } from './validation-outcome';
export { ValidationPool } from './validation-pool';
export { UkCoreKit, ukCoreKit } from './uk-core-kit';
export { baseResourceDefinitions, isR4ResourceType, type BaseResourceDefinitions } from './base-definitions';
export { OfflineTerminology, type BindingVerdict, type Expansion } from './terminology';
