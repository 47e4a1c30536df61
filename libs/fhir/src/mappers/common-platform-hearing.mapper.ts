/**
 * HMCTS Common Platform hearing JSON → `court.hearing.listed`, `court.hearing.resulted` and
 * `court.sentence.imposed`, one set per person defendant (organisations are skipped).
 */
import { parseCommonPlatformDefendantId, parseCroNumber, parsePncId } from '@cstr/identity';
import type {
  CourtHearingResultedInput,
  CourtReviewOutcomeInput,
  CourtSentenceImposedInput,
  EventInput,
  HearingInput,
  HearingOutcomeInput,
  OffenceInput,
  OrderTypeInput,
  PersonInput,
  RequirementInput,
  ReviewedRequirementInput,
} from '../events/event-inputs';
import {
  envelopeFor,
  ignoredPayload,
  invalidPayload,
  mappedEvents,
  MapResult,
  MappingContext,
  neverThrows,
} from './map-result';
import {
  addressFromLines,
  durationIn,
  durationInMonths,
  genderFrom,
  londonLocalToInstant,
  monthsBetween,
  nameFromParts,
  withoutUndefined,
  yearOf,
} from './native-values';
import { PayloadNode } from './payload-reader';
import { orderTypeNamed, requirementTypeNamed } from './requirement-wording';

const MINUTES_IN_A_DAY = 24 * 60;

/** One judicial result, read. */
interface ReadResult {
  readonly node: PayloadNode;
  readonly id?: string;
  readonly label: string;
  readonly lines: string[];
  readonly prompts: { label: string; value: string }[];
  readonly orderedDate?: string;
  readonly adjournment: boolean;
}

/** One offence, read: what the event carries, plus what decides the outcome. */
interface ReadOffence {
  readonly offence: OffenceInput;
  readonly pleaGuilty: boolean;
  readonly verdict?: string;
  readonly results: ReadResult[];
}

interface ReadDefendant {
  readonly node: PayloadNode;
  readonly person: PersonInput;
  readonly caseReference?: string;
  readonly offences: ReadOffence[];
}

interface ReadHearing {
  readonly hearing: Omit<HearingInput, 'caseReference' | 'offences'>;
  readonly defendants: ReadDefendant[];
}

/**
 * `court.hearing.listed` for each person defendant of a Common Platform hearing
 * (`POST /hearing/{id}`). Never throws: malformed JSON gives `invalid` with an issue per problem.
 */
export function mapHearingListed(json: unknown, context: MappingContext): MapResult {
  return neverThrows(() => {
    const root = PayloadNode.root(json, '$this');
    const read = readHearing(root, context);
    if (!read || root.issues.hasErrors) return invalidPayload(root.issues);
    const reviewed = reviewedRequirementOf(read.hearing.hearingType);
    const events: EventInput[] = read.defendants.map((defendant) =>
      reviewed
        ? {
            type: 'court.review.listed',
            envelope: envelopeFor(context, context.receivedAt),
            person: defendant.person,
            review: { hearing: hearingOf(read, defendant), requirement: reviewed },
          }
        : {
            type: 'court.hearing.listed',
            envelope: envelopeFor(context, context.receivedAt),
            person: defendant.person,
            hearing: hearingOf(read, defendant),
          },
    );
    return events.length > 0
      ? mappedEvents(events, root.issues)
      : ignoredPayload('The hearing has no person defendants.');
  });
}

/**
 * `court.hearing.resulted` for each person defendant of a resulted Common Platform hearing
 * (`POST /hearing/{id}/result`), followed by `court.sentence.imposed` when the results impose a
 * community order or suspended sentence order with MHTR, DRR or ATR requirements.
 */
export function mapHearingResulted(json: unknown, context: MappingContext): MapResult {
  return neverThrows(() => {
    const root = PayloadNode.root(json, '$this');
    const read = readHearing(root, context);
    if (!read || root.issues.hasErrors) return invalidPayload(root.issues);
    const reviewed = reviewedRequirementOf(read.hearing.hearingType);
    if (reviewed) return reviewResults(root, read, reviewed, context);
    const events: EventInput[] = [];
    for (const defendant of read.defendants) {
      const hearing = hearingOf(read, defendant);
      const sentence = readSentence(defendant, read.hearing);
      const outcome = outcomeOf(defendant, sentence !== undefined);
      if (!outcome) {
        root.issues.warning(
          'not-supported',
          'No judicial result of this defendant says what the hearing decided; no event is sent for them.',
          defendant.node.path,
        );
        continue;
      }
      const resulted: CourtHearingResultedInput = {
        type: 'court.hearing.resulted',
        envelope: envelopeFor(context, context.receivedAt),
        person: defendant.person,
        hearing,
        outcome,
        ...(outcome === 'adjourned-for-report' ? { reportRequested: true } : {}),
        ...nextHearingOf(defendant, read.hearing),
      };
      events.push(resulted);
      if (sentence) {
        const imposed: CourtSentenceImposedInput = {
          type: 'court.sentence.imposed',
          envelope: envelopeFor(context, context.receivedAt, resulted.envelope.eventId),
          person: defendant.person,
          sentence,
        };
        events.push(imposed);
      }
    }
    if (root.issues.hasErrors) return invalidPayload(root.issues);
    return events.length > 0
      ? mappedEvents(events, root.issues)
      : ignoredPayload('No defendant of the hearing has a recognisable result.');
  });
}

/**
 * The requirement a review hearing reviews, from the hearing type (`Review`, `DRR review`,
 * `Review of drug rehabilitation requirement`, …): a DRR unless the type names alcohol (ATR) or
 * mental health (MHTR); undefined for a hearing that is not a review.
 */
function reviewedRequirementOf(hearingType: string | undefined): ReviewedRequirementInput | undefined {
  if (!hearingType || !/\breview\b/i.test(hearingType)) return undefined;
  if (/alcohol|\bATR\b/i.test(hearingType)) return { type: 'atr' };
  if (/mental|\bMHTR\b/i.test(hearingType)) return { type: 'mhtr-secondary' };
  return { type: 'drr' };
}

// A review's outcome from its results, highest precedence first.
const REVIEW_OUTCOME_RULES: readonly { outcome: CourtReviewOutcomeInput; test: (result: ReadResult) => boolean }[] = [
  { outcome: 'order-revoked', test: (r) => /revok/i.test(r.label) },
  { outcome: 'requirement-amended', test: (r) => /amend|vari(ed|ation)/i.test(r.label) },
  { outcome: 'adjourned', test: (r) => /adjourn/i.test(r.label) },
  { outcome: 'progress-unsatisfactory', test: (r) => /unsatisfactory|not\s+satisfactory/i.test(heading(r)) },
  { outcome: 'progress-satisfactory', test: (r) => /satisfactory|continue/i.test(heading(r)) },
];

/** `court.review.resulted` for each person defendant of a resulted review hearing, with the next review. */
function reviewResults(
  root: PayloadNode,
  read: ReadHearing,
  requirement: ReviewedRequirementInput,
  context: MappingContext,
): MapResult {
  const events: EventInput[] = [];
  for (const defendant of read.defendants) {
    const results = allResults(defendant);
    const outcome = REVIEW_OUTCOME_RULES.find((rule) => results.some(rule.test))?.outcome;
    if (!outcome) {
      root.issues.warning(
        'not-supported',
        'No judicial result of this defendant says what the review decided; no event is sent for them.',
        defendant.node.path,
      );
      continue;
    }
    const next = nextHearingOf(defendant, read.hearing, /^next\s+(review|hearing)$/i).nextHearing;
    events.push({
      type: 'court.review.resulted',
      envelope: envelopeFor(context, context.receivedAt),
      person: defendant.person,
      review: withoutUndefined({
        hearing: hearingOf(read, defendant),
        requirement,
        outcome,
        nextReview: next,
      }),
    });
  }
  if (root.issues.hasErrors) return invalidPayload(root.issues);
  return events.length > 0
    ? mappedEvents(events, root.issues)
    : ignoredPayload('No defendant of the review has a recognisable outcome.');
}

function hearingOf(read: ReadHearing, defendant: ReadDefendant): HearingInput {
  return withoutUndefined({
    ...read.hearing,
    caseReference: defendant.caseReference,
    offences: defendant.offences.map((o) => o.offence),
  });
}

function readHearing(root: PayloadNode, context: MappingContext): ReadHearing | undefined {
  const hearing = root.object()?.get('hearing').object();
  if (!hearing) return undefined;
  const id = hearing.get('id').string();
  const court = hearing.get('courtCentre').object();
  const courtCode = court?.get('code').string();
  const courtName = court?.get('name').string();
  const room = court?.get('roomName').string({ required: false });
  const hearingType = hearing.get('type').object({ required: false })?.get('description').string({ required: false });

  const days = hearing
    .get('hearingDays')
    .array({ minItems: 1 })
    .map((day) => day.object())
    .filter((day): day is PayloadNode => day !== undefined)
    .map((day) => ({
      start: day.get('sittingDay').isoDateTime(),
      // A hearing day's listing: at most a whole day (a larger number would put its end past any date).
      minutes: day.get('listedDurationMinutes').integer({ required: false, min: 1, max: MINUTES_IN_A_DAY }),
    }))
    .filter((day): day is { start: string; minutes: number | undefined } => day.start !== undefined)
    .sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  const first = days[0];

  const referenceYear = yearOf(context.receivedAt);
  const defendants: ReadDefendant[] = [];
  for (const prosecutionCase of hearing.get('prosecutionCases').array({ minItems: 1 })) {
    const caseNode = prosecutionCase.object();
    if (!caseNode) continue;
    const identifier = caseNode.get('prosecutionCaseIdentifier').object();
    const caseReference =
      identifier?.get('caseURN').string({ required: false }) ??
      identifier?.get('prosecutionAuthorityReference').string({ required: false });
    for (const defendantNode of caseNode.get('defendants').array({ minItems: 1 })) {
      const defendant = readDefendant(defendantNode, caseReference, referenceYear);
      if (defendant) defendants.push(defendant);
    }
  }
  if (!id || !courtCode || !courtName || !first) return undefined;
  const end =
    first.minutes === undefined ? undefined : new Date(Date.parse(first.start) + first.minutes * 60_000).toISOString();
  return {
    hearing: withoutUndefined({
      id,
      court: { code: courtCode, name: courtName },
      room,
      start: first.start,
      end,
      hearingType,
    }),
    defendants,
  };
}

function readDefendant(
  node: PayloadNode,
  caseReference: string | undefined,
  referenceYear: number | undefined,
): ReadDefendant | undefined {
  const defendant = node.object();
  if (!defendant) return undefined;
  const defendantId = defendant.get('id').identifier(parseCommonPlatformDefendantId);
  const pncId = defendant.get('pncId').identifier((value) => parsePncId(value, { referenceYear }), { required: false });
  const croNumber = defendant.get('croNumber').identifier(parseCroNumber, { required: false });
  const offences = defendant.get('offences').array({ minItems: 1 }).map(readOffence);

  // An organisation is a defendant too, but never a candidate for a treatment requirement.
  if (!defendant.get('personDefendant').present && defendant.get('legalEntityDefendant').present) return undefined;
  const details = defendant.get('personDefendant').object()?.get('personDetails').object();
  if (!details) return undefined;
  const family = details.get('lastName').string();
  const birthDate = details.get('dateOfBirth').isoDate();
  const given = [
    details.get('firstName').string({ required: false }),
    details.get('middleName').string({ required: false }),
  ];
  const title = details.get('title').string({ required: false });
  const gender = genderFrom(details.get('gender').string({ required: false }));
  const address = addressFromLines(
    details.get('address').object({ required: false }),
    ['address1', 'address2', 'address3', 'address4', 'address5'],
    'postcode',
  );
  if (!defendantId || !family || !birthDate || offences.some((offence) => offence === undefined)) return undefined;

  const person: PersonInput = withoutUndefined({
    identifiers: withoutUndefined({ commonPlatformDefendantId: defendantId, pncId, croNumber }),
    name: nameFromParts(family, given, title),
    birthDate,
    gender,
    address,
  });
  return { node: defendant, person, caseReference, offences: offences as ReadOffence[] };
}

function readOffence(node: PayloadNode): ReadOffence | undefined {
  const offence = node.object();
  if (!offence) return undefined;
  const code = offence.get('offenceCode').string();
  const title = offence.get('offenceTitle').string();
  const wording = offence.get('wording').string({ required: false });
  const plea = offence.get('plea').object({ required: false })?.get('pleaValue').string();
  const verdict = offence
    .get('verdict')
    .object({ required: false })
    ?.get('verdictType')
    .object()
    ?.get('categoryType')
    .string();
  const results = offence
    .get('judicialResults')
    .array({ required: false })
    .map(readJudicialResult)
    .filter((result): result is ReadResult => result !== undefined);
  if (!code || !title) return undefined;
  return {
    offence: withoutUndefined({ code, title, wording }),
    pleaGuilty: plea?.toUpperCase() === 'GUILTY',
    verdict: verdict?.toUpperCase(),
    results,
  };
}

function readJudicialResult(node: PayloadNode): ReadResult | undefined {
  const result = node.object();
  if (!result) return undefined;
  const id = result.get('judicialResultId').string({ required: false });
  const label = result.get('label').string();
  const text = result.get('resultText').string({ required: false });
  const orderedDate = result.get('orderedDate').isoDate({ required: false });
  const adjournment = result.get('isAdjournmentResult').boolean({ required: false }) ?? false;
  const prompts = result
    .get('judicialResultPrompts')
    .array({ required: false })
    .map((prompt) => prompt.object())
    .map((prompt) => ({ label: prompt?.get('label').string(), value: prompt?.get('value').string() }))
    .filter(
      (prompt): prompt is { label: string; value: string } => prompt.label !== undefined && prompt.value !== undefined,
    );
  if (!label) return undefined;
  return {
    node: result,
    id,
    label,
    lines: text ? text.split(/\r?\n/).map((line) => line.trim()) : [],
    prompts,
    orderedDate,
    adjournment,
  };
}

/** The value of the first prompt whose label matches, else of the first `Label: value` line of the result text. */
function promptValue(result: ReadResult, label: RegExp): string | undefined {
  const prompt = result.prompts.find((p) => label.test(p.label));
  if (prompt) return prompt.value;
  for (const line of result.lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0 && label.test(line.slice(0, colon))) return line.slice(colon + 1).trim();
  }
  return undefined;
}

function allResults(defendant: ReadDefendant): ReadResult[] {
  return defendant.offences.flatMap((offence) => offence.results);
}

function heading(result: ReadResult): string {
  return `${result.label}\n${result.lines[0] ?? ''}`;
}

// Precedence, highest first: a sentence says most; an adjournment for a report says more than
// the bail or remand that goes with it; a conviction alone says least.
const OUTCOME_RULES: readonly { outcome: HearingOutcomeInput; test: (result: ReadResult) => boolean }[] = [
  { outcome: 'acquitted', test: (r) => /not\s+guilty|acquit|dismissed/i.test(r.label) },
  { outcome: 'withdrawn', test: (r) => /withdrawn|discontinu/i.test(r.label) },
  { outcome: 'adjourned-for-report', test: (r) => /pre-sentence\s+report|for\s+(a\s+)?report/i.test(r.label) },
  { outcome: 'remanded-in-custody', test: (r) => /remand(ed)?\s+in\s+custody/i.test(r.label) },
  { outcome: 'remanded-on-bail', test: (r) => /bail/i.test(r.label) },
];

function outcomeOf(defendant: ReadDefendant, sentenced: boolean): HearingOutcomeInput | undefined {
  if (sentenced) return 'sentenced';
  const results = allResults(defendant);
  for (const rule of OUTCOME_RULES) if (results.some(rule.test)) return rule.outcome;
  if (results.some((r) => orderTypeNamed(r.label) !== undefined)) return 'sentenced';
  if (defendant.offences.some((o) => o.pleaGuilty || o.verdict === 'GUILTY')) return 'convicted';
  if (results.some((r) => r.adjournment || /adjourn/i.test(r.label))) return 'adjourned';
  return undefined;
}

const NEXT_HEARING = /(\d{2})\/(\d{2})\/(\d{4})\s+(\d{2}:\d{2})/;

function nextHearingOf(
  defendant: ReadDefendant,
  hearing: ReadHearing['hearing'],
  label = /^next\s+hearing$/i,
): Pick<CourtHearingResultedInput, 'nextHearing'> {
  for (const result of allResults(defendant)) {
    const written = promptValue(result, label);
    const match = written ? NEXT_HEARING.exec(written) : undefined;
    if (match) {
      const sameCourt = written?.includes(hearing.court.name) ? { court: hearing.court } : {};
      return {
        nextHearing: { start: londonLocalToInstant(`${match[3]}-${match[2]}-${match[1]}`, match[4]), ...sameCourt },
      };
    }
  }
  return {};
}

const UK_DATE = /^(\d{2})\/(\d{2})\/(\d{4})$/;

function isoFromUkDate(text: string | undefined): string | undefined {
  const match = text ? UK_DATE.exec(text.trim()) : undefined;
  return match ? `${match[3]}-${match[2]}-${match[1]}` : undefined;
}

/**
 * The order with treatment requirements the results impose, or undefined when there is none.
 * A requirement repeated on several offences is one requirement (the first is kept).
 */
function readSentence(
  defendant: ReadDefendant,
  hearing: ReadHearing['hearing'],
): CourtSentenceImposedInput['sentence'] | undefined {
  const results = allResults(defendant).filter((r) => !r.adjournment);
  const requirements: RequirementInput[] = [];
  for (const result of results) {
    const type = requirementTypeNamed(heading(result), result.lines.slice(1).join('\n'));
    if (!type || requirements.some((r) => r.type === type)) continue;
    const requirement = readRequirement(result, type);
    if (requirement) requirements.push(requirement);
  }
  if (requirements.length === 0) return undefined;

  const order = results
    .map((r) => ({ result: r, type: orderTypeNamed(heading(r)) }))
    .find((o): o is { result: ReadResult; type: OrderTypeInput } => o.type !== undefined);
  if (!order) {
    defendant.node.issues.error(
      'required',
      'Treatment requirements were imposed without a community order or suspended sentence order to carry them.',
      defendant.node.get('offences').path,
    );
    return undefined;
  }
  const date = order.result.orderedDate ?? hearing.start.slice(0, 10);
  const lengthMonths = orderLengthMonths(order.result, order.type, date);
  if (lengthMonths === undefined) {
    order.result.node.issues.error(
      'required',
      'The length of the order (an end date, or a "Suspended for" period) is not given.',
      order.result.node.path,
    );
    return undefined;
  }
  const custodial = durationIn(promptValue(order.result, /custodial\s+(period|term)/i));
  return withoutUndefined({
    id: order.result.id ?? hearing.id,
    orderType: order.type,
    date,
    court: hearing.court,
    lengthMonths,
    custodialTermMonths: custodial ? durationInMonths(custodial) : undefined,
    requirements,
  });
}

function orderLengthMonths(result: ReadResult, type: OrderTypeInput, orderDate: string): number | undefined {
  const period =
    type === 'suspended-sentence-order'
      ? promptValue(result, /suspended\s+for|operational\s+period/i)
      : promptValue(result, /^(length|period|duration)/i);
  const duration = durationIn(period);
  if (duration) return durationInMonths(duration);
  const endDate = isoFromUkDate(promptValue(result, /end\s+date/i));
  return endDate ? monthsBetween(orderDate, endDate) : undefined;
}

function readRequirement(result: ReadResult, type: RequirementInput['type']): RequirementInput | undefined {
  const length = durationIn(promptValue(result, /period|duration|length/i));
  if (!length) {
    result.node.issues.error(
      'required',
      'The length of the treatment requirement (a "Period of treatment") is not given.',
      result.node.path,
    );
    return undefined;
  }
  const sessions = Number(promptValue(result, /sessions/i)?.match(/\d+/)?.[0]);
  const startWithin = durationIn(
    promptValue(result, /start\s+within/i) ?? result.lines.find((line) => /start\s+within/i.test(line)),
  );
  const startBy = isoFromUkDate(promptValue(result, /start\s+by/i));
  return withoutUndefined({
    id: result.id,
    type,
    lengthMonths: durationInMonths(length),
    sessions: Number.isInteger(sessions) && sessions > 0 ? sessions : undefined,
    startWithinWorkingDays: startWithin?.unit === 'working-day' ? startWithin.amount : undefined,
    startBy,
  });
}
