import { Inject, Injectable } from '@nestjs/common';
import { setBounded } from '../shared/bounded';
import { PartnerFixtures } from '../shared/partner-fixtures';
import { SANDBOX_SETTINGS, type SandboxSettings } from '../shared/sandbox-settings';

/** A PDS Patient as the stand-in holds it (id = NHS number). */
export interface PdsPatient {
  readonly resourceType: 'Patient';
  readonly id: string;
  readonly meta: { readonly versionId: string; readonly security?: readonly { system?: string; code?: string }[] };
  readonly address?: unknown[];
  readonly generalPractitioner?: unknown[];
  readonly [element: string]: unknown;
}

/** The ODS code system of a GP practice reference. */
export const ODS_ORGANIZATION_CODE_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';

/** Whether PDS marks the patient restricted (security label R): address and GP are never given out. */
export function isRestricted(patient: PdsPatient): boolean {
  return (patient.meta.security ?? []).some((label) => label.code === 'R');
}

/**
 * The Patients of each PDS-style stand-in, seeded from the pds fixtures (registered, restricted,
 * unregistered, changed GP); change of GP updates them.
 */
@Injectable()
export class PdsPatients {
  private readonly byPartner = new Map<string, Map<string, PdsPatient>>();

  constructor(
    private readonly fixtures: PartnerFixtures,
    @Inject(SANDBOX_SETTINGS) private readonly settings: SandboxSettings,
  ) {}

  private patients(partnerId: string): Map<string, PdsPatient> {
    let patients = this.byPartner.get(partnerId);
    if (!patients) {
      patients = new Map(
        this.fixtures
          .names('pds')
          .map((name) => this.fixtures.load('pds', name) as PdsPatient)
          .filter((patient) => patient.resourceType === 'Patient' && typeof patient.id === 'string')
          .map((patient) => [patient.id, patient]),
      );
      this.byPartner.set(partnerId, patients);
    }
    return patients;
  }

  /** The Patient as PDS gives it out: a restricted one without address and GP. */
  read(partnerId: string, nhsNumber: string): PdsPatient | undefined {
    const patient = this.patients(partnerId).get(nhsNumber);
    if (!patient || !isRestricted(patient)) return patient;
    // Held internally (a change of GP still happens), never disclosed.
    const { address: _address, generalPractitioner: _gp, ...disclosed } = patient;
    return disclosed as PdsPatient;
  }

  /** Registers the patient with the practice `odsCode` from today (the previous registration is replaced); undefined when unknown. */
  changeGp(
    partnerId: string,
    nhsNumber: string,
    odsCode: string,
    today: string = new Date().toISOString().slice(0, 10),
  ): PdsPatient | undefined {
    const patients = this.patients(partnerId);
    const patient = patients.get(nhsNumber);
    if (!patient) return undefined;
    const updated: PdsPatient = {
      ...patient,
      meta: { ...patient.meta, versionId: String(Number(patient.meta.versionId) + 1) },
      generalPractitioner: [
        {
          id: `gp-${today}`,
          type: 'Organization',
          identifier: { system: ODS_ORGANIZATION_CODE_SYSTEM, value: odsCode, period: { start: today } },
        },
      ],
    };
    setBounded(patients, nhsNumber, updated, this.settings.maxRecords);
    return updated;
  }
}
