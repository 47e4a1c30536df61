import { randomUUID } from 'node:crypto';

/** The CloudEvents type of a PDS change-of-GP signal. */
export const CHANGE_OF_GP_EVENT_TYPE = 'pds-change-of-gp-2';

/** A thin change-of-GP signal (CloudEvents 1.0, structured JSON): no data, a `dataref` to the Patient to fetch. */
export interface ChangeOfGpEvent {
  readonly specversion: '1.0';
  readonly id: string;
  readonly type: typeof CHANGE_OF_GP_EVENT_TYPE;
  readonly source: string;
  /** The NHS number. */
  readonly subject: string;
  readonly time: string;
  /** The Patient's URL on the PDS stand-in. */
  readonly dataref: string;
}

/** Builds the signal for a patient whose GP changed. */
export function changeOfGpEvent(
  source: string,
  nhsNumber: string,
  patientUrl: string,
  now: Date = new Date(),
): ChangeOfGpEvent {
  return {
    specversion: '1.0',
    id: randomUUID(),
    type: CHANGE_OF_GP_EVENT_TYPE,
    source,
    subject: nhsNumber,
    time: now.toISOString(),
    dataref: patientUrl,
  };
}
