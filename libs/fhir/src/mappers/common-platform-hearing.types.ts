/**
 * The HMCTS Common Platform hearing JSON, as pushed to `POST /hearing/{id}` (listed) and
 * `POST /hearing/{id}/result` (resulted): only the parts the hub reads. Modelled on the public
 * shapes used by ministryofjustice/hmpps-court-case-service and hmpps-person-record.
 * Mappers read payloads as `unknown` and check every field; these types document the shape
 * and type the fixtures.
 */

/** The body Common Platform sends. */
export interface CommonPlatformHearingMessage {
  hearing: CommonPlatformHearing;
}

/** A hearing: where, when, and the cases listed in it. */
export interface CommonPlatformHearing {
  /** Hearing id (UUID). */
  id: string;
  jurisdictionType?: 'MAGISTRATES' | 'CROWN';
  type?: { id?: string; description: string };
  courtCentre: { id: string; code: string; name: string; roomId?: string; roomName?: string };
  /** At least one; the first sitting (earliest `sittingDay`) is the one listed. */
  hearingDays: { sittingDay: string; listedDurationMinutes?: number; listingSequence?: number }[];
  prosecutionCases: CommonPlatformProsecutionCase[];
}

/** A prosecution case heard, with its URN and defendants. */
export interface CommonPlatformProsecutionCase {
  id?: string;
  prosecutionCaseIdentifier: {
    caseURN?: string;
    prosecutionAuthorityReference?: string;
    prosecutionAuthorityCode?: string;
  };
  defendants: CommonPlatformDefendant[];
}

/** A defendant on a case: a person (`personDefendant`) or an organisation. */
export interface CommonPlatformDefendant {
  /** Common Platform defendant id (UUID). */
  id: string;
  masterDefendantId?: string;
  pncId?: string | null;
  croNumber?: string | null;
  isYouth?: boolean;
  /** Absent for an organisation, which has `legalEntityDefendant` instead. */
  personDefendant?: {
    personDetails: {
      title?: string;
      firstName?: string;
      middleName?: string;
      lastName: string;
      /** `YYYY-MM-DD`. */
      dateOfBirth: string;
      gender?: 'MALE' | 'FEMALE' | 'NOT_KNOWN' | 'NOT_SPECIFIED';
      address?: {
        address1?: string;
        address2?: string;
        address3?: string;
        address4?: string;
        address5?: string;
        postcode?: string;
      };
      nationalInsuranceNumber?: string;
    };
  };
  legalEntityDefendant?: { organisation: { name: string } };
  offences: CommonPlatformOffence[];
}

/** An offence charged, with plea, verdict and the results announced on it. */
export interface CommonPlatformOffence {
  id?: string;
  offenceCode: string;
  offenceTitle: string;
  offenceLegislation?: string;
  wording?: string;
  plea?: { pleaValue: string; pleaDate?: string };
  verdict?: { verdictDate?: string; verdictType: { category?: string; categoryType: string; description?: string } };
  judicialResults?: CommonPlatformJudicialResult[];
}

/** One result the court announced on an offence. */
export interface CommonPlatformJudicialResult {
  judicialResultId?: string;
  judicialResultTypeId: string;
  label: string;
  category?: 'FINAL' | 'INTERMEDIARY' | 'ANCILLARY';
  isAdjournmentResult?: boolean;
  isConvictedResult?: boolean;
  /** `YYYY-MM-DD`. */
  orderedDate?: string;
  /** Multi-line text: the label on the first line, then `Prompt: value` lines. */
  resultText?: string;
  judicialResultPrompts?: { label: string; value: string; promptReference?: string }[];
}
