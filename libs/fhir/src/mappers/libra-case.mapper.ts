/**
 * Libra magistrates' court daily list → `court.hearing.listed`, one per case. Libra gives the
 * court, the list date and each session's room and start time around the cases, as local
 * (Europe/London) dates and times; the events carry ISO instants.
 */
import { parseCroNumber, parsePncId } from '@cstr/identity';
import type {
  CourtHearingListedInput,
  CourtInput,
  EventInput,
  OffenceInput,
  PersonInput,
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
  genderFrom,
  londonLocalToInstant,
  nameFromFullName,
  withoutUndefined,
  yearOf,
} from './native-values';
import { PayloadNode } from './payload-reader';

/** A Libra daily list, as the adapter receives it (converted from the list document). */
export interface LibraDailyList {
  /** Libra court code, e.g. `B01CY`; the events carry the seven-character form `B01CY00`. */
  court_code: string;
  court_name: string;
  /** `dd/MM/yyyy`. */
  list_date: string;
  sessions: LibraSession[];
}

/** One sitting of one courtroom. */
export interface LibraSession {
  court_room: string;
  /** Local time `hh:mm`. */
  session_start: string;
  session_end?: string;
  cases: LibraCase[];
}

/** One case on the list. */
export interface LibraCase {
  c_id?: number;
  caseno: string;
  /** `Mr Forenames SURNAME` or `SURNAME, Forenames`. */
  def_name: string;
  def_type?: string;
  /** `M`, `F`, `N` (not known) or `U`. */
  def_sex?: string;
  /** `dd/MM/yyyy`. */
  def_dob: string;
  def_addr?: { line1?: string; line2?: string; line3?: string; line4?: string; line5?: string; pcode?: string };
  pnc_id?: string;
  cro_number?: string;
  offences: { seq: number; code: string; title: string; summary?: string; as?: string }[];
}

const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const LIBRA_COURT_CODE = /^[A-Z]\d{2}[A-Z]{2}(\d{2})?$/;

/**
 * `court.hearing.listed` for every case of a Libra daily list. The hearing id is
 * `<court code>-<list date>-<case number>` (Libra has no hearing id of its own). Never throws.
 */
export function mapLibraDailyList(json: unknown, context: MappingContext): MapResult {
  return neverThrows(() => {
    const root = PayloadNode.root(json, '$this');
    const list = root.object();
    if (!list) return invalidPayload(root.issues);
    const courtCode = list.get('court_code').string();
    if (courtCode && !LIBRA_COURT_CODE.test(courtCode))
      list.issues.error('value', 'Must be a Libra court code such as B01CY.', list.get('court_code').path);
    const courtName = list.get('court_name').string();
    const listDate = list.get('list_date').ukDate();
    const referenceYear = yearOf(context.receivedAt);
    const court: CourtInput | undefined =
      courtCode && courtName
        ? { code: courtCode.length === 5 ? `${courtCode}00` : courtCode, name: courtName }
        : undefined;

    const events: EventInput[] = [];
    for (const sessionNode of list.get('sessions').array({ minItems: 1 })) {
      const session = sessionNode.object();
      if (!session) continue;
      const room = session.get('court_room').string();
      const start = readTime(session.get('session_start'));
      for (const caseNode of session.get('cases').array()) {
        const read = readCase(caseNode, referenceYear);
        if (!read || !court || !listDate || !start) continue;
        const listed: CourtHearingListedInput = {
          type: 'court.hearing.listed',
          envelope: envelopeFor(context, context.receivedAt),
          person: read.person,
          hearing: withoutUndefined({
            id: `${court.code}-${listDate}-${read.caseNumber}`,
            court,
            room,
            start: londonLocalToInstant(listDate, start),
            caseReference: read.caseNumber,
            offences: read.offences,
          }),
        };
        events.push(listed);
      }
    }
    if (root.issues.hasErrors) return invalidPayload(root.issues);
    return events.length > 0 ? mappedEvents(events, root.issues) : ignoredPayload('The list has no cases.');
  });
}

function readTime(node: PayloadNode): string | undefined {
  const text = node.string();
  if (text === undefined) return undefined;
  if (TIME.test(text)) return text;
  node.issues.error('value', 'Must be a local time written hh:mm (24-hour clock).', node.path);
  return undefined;
}

function readCase(
  node: PayloadNode,
  referenceYear: number | undefined,
): { caseNumber: string; person: PersonInput; offences: OffenceInput[] } | undefined {
  const item = node.object();
  if (!item) return undefined;
  const caseNumber = item.get('caseno').string();
  const fullName = item.get('def_name').string();
  const name = fullName === undefined ? undefined : nameFromFullName(fullName);
  if (fullName !== undefined && !name)
    item.issues.error('value', 'Must name the defendant.', item.get('def_name').path);
  const birthDate = item.get('def_dob').ukDate();
  const gender = genderFrom(item.get('def_sex').string({ required: false }));
  const address = addressFromLines(
    item.get('def_addr').object({ required: false }),
    ['line1', 'line2', 'line3', 'line4', 'line5'],
    'pcode',
  );
  const pncId = item.get('pnc_id').identifier((value) => parsePncId(value, { referenceYear }), { required: false });
  const croNumber = item.get('cro_number').identifier(parseCroNumber, { required: false });
  const offences = item
    .get('offences')
    .array({ minItems: 1 })
    .map((offenceNode) => offenceNode.object())
    .map((offence) => ({
      seq: offence?.get('seq').integer({ required: false, min: 1 }),
      code: offence?.get('code').string(),
      title: offence?.get('title').string(),
      wording: offence?.get('summary').string({ required: false }),
    }));
  if (!caseNumber || !name || !birthDate || offences.some((o) => !o.code || !o.title)) return undefined;
  const ordered = offences.map((o, index) => ({ ...o, seq: o.seq ?? index + 1 })).sort((a, b) => a.seq - b.seq);
  return {
    caseNumber,
    person: withoutUndefined({ identifiers: withoutUndefined({ pncId, croNumber }), name, birthDate, gender, address }),
    offences: ordered.map((o) =>
      withoutUndefined({ code: o.code as string, title: o.title as string, wording: o.wording }),
    ),
  };
}
