/**
 * The FHIR validator the hub runs on every incoming resource: UK Core profile (or base R4 where
 * UK Core has none), extensions against their own definitions, required bindings offline, and the
 * NHS number rule. Partner input never makes it throw: every problem is an OperationOutcome issue.
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@cstr/contracts';
import { getDataType, isPrimitiveType } from '@medplum/core';
import { nodeBindingIssue, type ValidationRun } from './binding.rules';
import { extensionIssues } from './extension.rules';
import { isObject } from './json-walk';
import { medplumIssues } from './medplum-issue.mapper';
import { nhsNumberIssues } from './nhs-number.rule';
import { OfflineTerminology } from './terminology';
import { structureIssues, type NodeVisitor } from './structure.rules';
import { walkTyped } from './typed-walk';
import { UkCoreKit, ukCoreKit } from './uk-core-kit';
import { issue, outcomeOf } from './validation-outcome';

/** Options of {@link validateResource}. */
export interface ResourceValidationOptions {
  /**
   * Canonical URL of the UK Core profile to validate against. Default: the first kit profile in
   * `meta.profile`, else the UK Core profile of the resource type, else base R4.
   */
  profile?: string;
}

/** The state one validation (a resource, or a whole Bundle) shares across its rules. */
export type ValidationContext = ValidationRun;

/**
 * How structure is checked: `present-elements` walks only the elements present (fast; the
 * default), `medplum` runs `@medplum/core`'s validator (the reference the first is tested against).
 */
export type StructureEngine = 'present-elements' | 'medplum';

/** Options of {@link FhirValidator}. */
export interface FhirValidatorOptions {
  engine?: StructureEngine;
}

/** Validates resources against the UK Core kit; build once (see {@link fhirValidator}) and reuse. */
export class FhirValidator {
  private readonly terminology: OfflineTerminology;

  private readonly engine: StructureEngine;

  constructor(
    private readonly kit: UkCoreKit,
    options: FhirValidatorOptions = {},
  ) {
    this.terminology = new OfflineTerminology(kit.valueSets, kit.codeSystems);
    this.engine = options.engine ?? 'present-elements';
  }

  /** Validates one resource. See {@link validateResource}. */
  validateResource(resource: unknown, options: ResourceValidationOptions = {}): OperationOutcome {
    return outcomeOf(this.resourceIssues(resource, options, this.newContext()));
  }

  /** True when `resourceType` names a FHIR R4 resource type. */
  isResourceType(resourceType: string): boolean {
    return this.kit.isResourceType(resourceType);
  }

  /** A fresh context for one validation. */
  newContext(): ValidationContext {
    return { terminology: this.terminology, notChecked: new Set(), unknownExtensions: new Set() };
  }

  /**
   * Everything a profile says about `value` validated as `type` (a kit profile URL or a base
   * type): structure, cardinality, types, formats, invariants, required bindings and extensions.
   */
  profileIssues(
    value: Record<string, unknown>,
    type: string,
    rootPath: string,
    context: ValidationContext,
  ): OperationOutcomeIssue[] {
    this.kit.loadResourceTypesOf(value);
    const valueIssues: OperationOutcomeIssue[] = [];
    const structural = this.structuralIssues(value, type, rootPath, (node) => {
      const binding = nodeBindingIssue(node, context);
      if (binding) valueIssues.push(binding);
      if (node.type === 'Extension' && isObject(node.value))
        valueIssues.push(...extensionIssues(node.value, node.path, this.kit, context));
    });
    return [...structural, ...valueIssues];
  }

  /** Structure, cardinality, types, formats and invariants, with `visit` called on each present, well-formed value. */
  private structuralIssues(
    value: Record<string, unknown>,
    type: string,
    rootPath: string,
    visit: NodeVisitor,
  ): OperationOutcomeIssue[] {
    if (this.engine === 'present-elements') return structureIssues(value, type, rootPath, visit);
    return this.medplumStructuralIssues(value, type, rootPath, visit);
  }

  /** The reference engine: medplum's own validator, its issues mapped, and a typed walk for `visit`. */
  private medplumStructuralIssues(
    value: Record<string, unknown>,
    type: string,
    rootPath: string,
    visit: NodeVisitor,
  ): OperationOutcomeIssue[] {
    const ownIssues: OperationOutcomeIssue[] = [];
    const notObjects: string[] = [];
    walkTyped(value, getDataType(type), rootPath, (node) => {
      if (!isObject(node.value) && !isPrimitiveType(node.type)) {
        notObjects.push(node.path);
        ownIssues.push(
          issue(
            'error',
            'structure',
            `Element "${node.key}" must be a JSON object (${node.type}), not ${Array.isArray(node.value) ? 'an array' : `a ${typeof node.value}`}.`,
            node.path,
          ),
        );
        return false;
      }
      visit(node);
      return true;
    });
    // medplum reads a string where an object belongs as an object keyed "0", "1", …: noise under a path already reported.
    const underNotObject = (each: OperationOutcomeIssue): boolean =>
      notObjects.some((path) => each.expression?.some((at) => at.startsWith(`${path}.`)));
    return [...medplumIssues(value, type, rootPath, rootPath).filter((each) => !underNotObject(each)), ...ownIssues];
  }

  /** The issues of one resource, paths rooted at its resourceType (`Patient.name[0]`). */
  resourceIssues(
    resource: unknown,
    options: ResourceValidationOptions,
    context: ValidationContext,
  ): OperationOutcomeIssue[] {
    if (!isObject(resource)) return [issue('error', 'structure', 'A resource must be a JSON object.', 'Resource')];
    const resourceType = resource.resourceType;
    if (typeof resourceType !== 'string' || resourceType === '') {
      return [
        issue(
          'error',
          'required',
          'Missing resourceType: the resource does not say what it is.',
          'Resource.resourceType',
        ),
      ];
    }
    if (!this.kit.isResourceType(resourceType)) {
      return [
        issue(
          'error',
          'structure',
          `Unknown resourceType "${resourceType}": not a FHIR R4 resource type.`,
          'Resource.resourceType',
        ),
      ];
    }
    const target = this.chooseProfile(resource, resourceType, options);
    if ('issue' in target) return [target.issue];

    const issues: OperationOutcomeIssue[] = [...target.notes];
    try {
      issues.push(...this.profileIssues(resource, target.type, resourceType, context));
      issues.push(...nhsNumberIssues(resource, resourceType));
    } catch (error) {
      // A defect of ours or of a definition, never a reason to crash on partner input.
      issues.push(
        issue(
          'error',
          'exception',
          `The validator could not process this resource: ${error instanceof Error ? error.message : String(error)}`,
          resourceType,
        ),
      );
    }
    return issues;
  }

  /**
   * The type to validate as: a kit profile URL (registered with medplum by the kit) or the base
   * resource type; with information notes, or the issue that stops validation.
   */
  private chooseProfile(
    resource: Record<string, unknown>,
    resourceType: string,
    options: ResourceValidationOptions,
  ): { type: string; notes: OperationOutcomeIssue[] } | { issue: OperationOutcomeIssue } {
    if (options.profile !== undefined) {
      const profile = this.kit.profile(options.profile);
      if (!profile)
        return {
          issue: issue('error', 'not-supported', `Profile ${options.profile} is not in the UK Core kit.`, resourceType),
        };
      if (profile.type !== resourceType)
        return {
          issue: issue(
            'error',
            'structure',
            `Profile ${profile.url} is for ${profile.type} resources, not ${resourceType}.`,
            `${resourceType}.resourceType`,
          ),
        };
      return { type: profile.url, notes: [] };
    }
    const notes: OperationOutcomeIssue[] = [];
    const claimed =
      isObject(resource.meta) && Array.isArray(resource.meta.profile)
        ? resource.meta.profile.filter((url): url is string => typeof url === 'string')
        : [];
    for (const url of claimed) {
      const profile = this.kit.profile(url);
      if (profile?.type === resourceType) return { type: profile.url, notes };
    }
    const fallback = this.kit.profileFor(resourceType);
    if (claimed.length > 0) {
      const against = fallback ?? `base R4 ${resourceType}`;
      notes.push(
        issue(
          'information',
          'informational',
          `meta.profile ${claimed.join(', ')} is not in the UK Core kit; validated against ${against}.`,
          `${resourceType}.meta.profile`,
        ),
      );
    }
    return { type: fallback ?? resourceType, notes };
  }
}

let singleton: FhirValidator | undefined;

/** The process-wide validator, built on first use from {@link ukCoreKit}. */
export function fhirValidator(): FhirValidator {
  singleton ??= new FhirValidator(ukCoreKit());
  return singleton;
}

/**
 * Validates a resource against its UK Core profile: chosen by `options.profile`, else by
 * `meta.profile` when it names a kit profile, else the UK Core profile for its resourceType, else
 * base R4 (RiskAssessment, EpisodeOfCare, CareTeam, PractitionerRole, …).
 *
 * Checks structure and cardinality, unknown elements, `value[x]` types, primitive formats,
 * invariants, extensions against their definitions, required bindings (offline; a ValueSet that
 * cannot be expanded gives one `information` issue) and NHS numbers. Never throws.
 */
export function validateResource(resource: unknown, options?: ResourceValidationOptions): OperationOutcome {
  return fhirValidator().validateResource(resource, options);
}
