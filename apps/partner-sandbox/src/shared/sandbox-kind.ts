import type { PartnerKind } from '@cstr/contracts';

/** The stand-ins, by their path prefix under `/sandbox/`. */
export const SANDBOX_KINDS = ['hmcts', 'ld', 'delius', 'fhir', 'pds'] as const;

/** One stand-in's path prefix. */
export type SandboxKind = (typeof SANDBOX_KINDS)[number];

/** The partner kinds each stand-in stands in for (the FHIR server: MHTR providers and drug and alcohol services). */
export const PARTNER_KINDS_BY_SANDBOX_KIND: Readonly<Record<SandboxKind, readonly PartnerKind[]>> = {
  hmcts: ['hmcts'],
  ld: ['ld'],
  delius: ['probation'],
  fhir: ['mh-provider', 'drug-alcohol-service'],
  pds: ['gp'],
};

/** Narrows a path segment to a {@link SandboxKind}. */
export function isSandboxKind(value: unknown): value is SandboxKind {
  return typeof value === 'string' && (SANDBOX_KINDS as readonly string[]).includes(value);
}
