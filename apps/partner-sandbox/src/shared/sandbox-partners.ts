import { Inject, Injectable } from '@nestjs/common';
import { OperationOutcomeError, operationOutcome } from '@cstr/contracts';
import type { Partner } from '@cstr/policy';
import { PARTNER_KINDS_BY_SANDBOX_KIND, type SandboxKind } from './sandbox-kind';
import { SANDBOX_SETTINGS, type SandboxSettings } from './sandbox-settings';

/** The configured partners each stand-in serves. */
@Injectable()
export class SandboxPartners {
  constructor(@Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings) {}

  /** Every partner of the partners file. */
  all(): readonly Partner[] {
    return this.settings.partners;
  }

  /** The partners a stand-in serves (those of its partner kind), in partners-file order. */
  of(kind: SandboxKind): Partner[] {
    return this.settings.partners.filter((partner) => PARTNER_KINDS_BY_SANDBOX_KIND[kind].includes(partner.kind));
  }

  /** The partner `id` of the stand-in's kind; a 404 OperationOutcome when the sandbox serves no such partner. */
  require(kind: SandboxKind, id: string): Partner {
    const partner = this.of(kind).find((candidate) => candidate.id === id);
    if (!partner) {
      const known =
        this.of(kind)
          .map((candidate) => candidate.id)
          .join(', ') || 'none';
      throw new OperationOutcomeError(
        404,
        operationOutcome(
          'error',
          'not-found',
          `No ${PARTNER_KINDS_BY_SANDBOX_KIND[kind].join(' or ')} partner ${id} in the partners file (known: ${known})`,
        ),
      );
    }
    return partner;
  }
}
