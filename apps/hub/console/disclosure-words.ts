/**
 * What the hub withheld and on what grounds, in words an information-governance lead reads: the
 * redaction's element paths (`Patient.address`, `Appointment.participant[2]`,
 * `Bundle.entry[8] (Location)`) become "the person's address (Patient.address)" or "the court's
 * address (Location)", legal bases become "UK GDPR Art. 6(1)(e)". An element or resource type not
 * named here falls back to its FHIR name. A code after a withheld resource's type is never shown
 * unless it is one of the hub's own codes named here: a clinical code would say what was withheld.
 *
 * One source, two runtimes: the hub's server code (the subject access export) imports it from
 * libs/audit; the console's browser code loads a verbatim copy in apps/hub/console (it loads
 * nothing from outside its folder, without a bundler), which a test keeps identical. Edit the
 * libs/audit file and copy it over. Pure: no imports, no DOM, no Node APIs.
 */

/** Whole resources, by type. */
const RESOURCE_WORDS: Readonly<Record<string, string>> = {
  Patient: "the person's record",
  Practitioner: "a practitioner's details",
  PractitionerRole: "a practitioner's role",
  Organization: "an organisation's details",
  Location: "a place's address",
  Appointment: 'an appointment',
  Encounter: 'a contact with a service',
  Observation: 'an observation',
  Condition: 'a diagnosis or need',
  ServiceRequest: 'a referral or requirement',
  Task: 'a task',
  CarePlan: 'a care plan',
  Consent: 'a consent record',
  Flag: 'a flag',
  RiskAssessment: 'a risk assessment',
  EpisodeOfCare: 'an episode of care',
  QuestionnaireResponse: "a questionnaire's answers",
  DocumentReference: 'a document',
  MessageHeader: "the message's header",
};

/** A Location is the court, the custody suite or the clinic, by the event's family. */
const LOCATION_BY_EVENT_PREFIX: readonly (readonly [string, string])[] = [
  ['court.', "the court's address"],
  ['probation.psr.', "the court's address"],
  ['ld.', "the custody suite's or court's address"],
  ['treatment.', "the clinic's address"],
];

/** The hub's own codes on withheld resources (its CodeSystems), in words. */
const HUB_CODE_WORDS: Readonly<Record<string, string>> = {
  'outcome-score-phq-9': 'the PHQ-9 depression score',
  'outcome-score-gad-7': 'the GAD-7 anxiety score',
  'outcome-score-core-34': 'the CORE-34 wellbeing score',
  'mhtr-primary': 'the mental health treatment requirement',
  'outcome-score-audit': 'the AUDIT alcohol score',
  'mhtr-secondary': 'the mental health treatment requirement (secondary care)',
  drr: 'the drug rehabilitation requirement',
  atr: 'the alcohol treatment requirement',
  'suitability-assessment': 'the suitability assessment task',
};

/** Elements of one resource type (`Type.element`). */
const ELEMENT_WORDS: Readonly<Record<string, string>> = {
  'Patient.address': "the person's address",
  'Patient.telecom': "the person's phone numbers and email",
  'Patient.generalPractitioner': "the person's GP practice",
  'Patient.gender': "the person's gender",
  'Patient.birthDate': "the person's date of birth",
  'Patient.name': "the person's name",
  'Patient.identifier': "the person's identifiers",
  'Patient.contact': "the person's contacts (next of kin)",
  'Patient.extension': 'further details of the person (extensions)',
  'Patient.deceasedDateTime': "the person's date of death",
  'Practitioner.telecom': "the practitioner's phone and email",
  'Practitioner.active': 'whether the practitioner is active',
  'Appointment.participant': 'a participant of the appointment',
  'Appointment.description': "the appointment's description",
  'Appointment.reasonCode': 'why the appointment was made',
  'ServiceRequest.orderDetail': "the requirement's details",
  'ServiceRequest.quantityQuantity': "the requirement's length",
  'ServiceRequest.requester': 'who made the request',
  'ServiceRequest.supportingInfo': "the request's supporting information",
  'ServiceRequest.requisition': "the order's reference",
  'ServiceRequest.authoredOn': 'when the request was made',
  'Observation.component': "the score's parts",
  'CarePlan.activity': "the care plan's activities",
  'Encounter.location': 'where the contact took place',
  'Location.managingOrganization': 'who runs the place',
  'MessageHeader.focus': 'a pointer to something withheld',
  'MessageHeader.sender': "the sender's details",
};

/** Elements of any resource type, by name. */
const ANY_ELEMENT_WORDS: Readonly<Record<string, string>> = {
  note: 'the free-text notes',
  telecom: 'the phone numbers and email',
  address: 'the address',
  identifier: 'the reference numbers',
  performer: 'the performer',
  participant: 'the participants',
  extension: 'the further details (extensions)',
  meta: "the record's metadata",
};

function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

/** Words for a whole resource of `type` (with an optional hub code) in an event of `eventType`. */
function resourceWords(type: string, code: string | undefined, eventType: string): string {
  const named = code !== undefined ? own(HUB_CODE_WORDS, code) : undefined;
  if (named) return named;
  if (type === 'Location') {
    const place = LOCATION_BY_EVENT_PREFIX.find(([prefix]) => eventType.startsWith(prefix));
    if (place) return place[1];
  }
  return own(RESOURCE_WORDS, type) ?? `a ${type} resource`;
}

const WHOLE_RESOURCE = /^Bundle\.entry\[\d+\] \(([A-Za-z]+)(?: ([^)]*))?\)$/;
const ELEMENT = /^([A-Z][A-Za-z]+)\.(meta\.)?([A-Za-z]+)(?:\[\d+\])?$/;

/**
 * One removed element, as an IG lead reads it: words, then the FHIR name in brackets.
 * `Bundle.entry[8] (Location)` in a court event → "the court's address (Location)";
 * `Patient.address` → "the person's address (Patient.address)"; an item of a list
 * (`Appointment.participant[2]`) names the list; anything else keeps its FHIR name.
 */
export function removedElementWords(path: string, eventType = ''): string {
  const whole = WHOLE_RESOURCE.exec(path);
  if (whole) return `${resourceWords(whole[1], whole[2], eventType)} (${whole[1]})`;
  const element = ELEMENT.exec(path);
  if (!element) return path;
  const [, type, meta, name] = element;
  if (meta) return `${own(ANY_ELEMENT_WORDS, 'meta') ?? ''}: ${name} (${type}.meta.${name})`;
  const words =
    own(ELEMENT_WORDS, `${type}.${name}`) ??
    (own(ANY_ELEMENT_WORDS, name)
      ? `${own(ANY_ELEMENT_WORDS, name)} of ${resourceWords(type, undefined, eventType)}`
      : `part of ${resourceWords(type, undefined, eventType)}`);
  return `${words} (${type}.${name})`;
}

/** The lawful bases of an agreement (`{ article6, article9, statute, dpa2018 }`), in one line. */
export function legalBasisWords(basis: Readonly<Record<string, string>> | null | undefined): string {
  if (!basis) return '';
  const parts: string[] = [];
  if (basis.article6) parts.push(`UK GDPR Art. ${basis.article6}`);
  if (basis.article9) parts.push(`Art. ${basis.article9}`);
  if (basis.statute) parts.push(basis.statute);
  if (basis.dpa2018) parts.push(basis.dpa2018);
  for (const [key, value] of Object.entries(basis))
    if (!['article6', 'article9', 'statute', 'dpa2018'].includes(key)) parts.push(`${key} ${value}`);
  return parts.join('; ');
}

/** An agreement and its version (`{ id, version }`), as "id v2". */
export function agreementWords(
  agreement: { readonly id: string; readonly version: number } | null | undefined,
): string {
  return agreement ? `${agreement.id} v${agreement.version}` : '';
}

/** The audit record's `agreement` detail (`id|version`), as "id v2". */
export function agreementDetailWords(detail: string): string {
  const bar = detail.lastIndexOf('|');
  return bar > 0 ? `${detail.slice(0, bar)} v${detail.slice(bar + 1)}` : detail;
}
