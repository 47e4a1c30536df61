/**
 * Recognising orders and treatment requirements from the words courts and case systems use
 * ("Mental health treatment requirement", "Drug rehabilitation requirement", "Alcohol treatment
 * requirement", "Community order England / Wales", "Suspended sentence order - imprisonment").
 */
import type { OrderTypeInput, RequirementTypeInput } from '../events/event-inputs';

const MHTR = /mental\s+health\s+treatment(\s+requirement)?|\bMHTR\b/i;
const DRR = /drug\s+rehabilitation(\s+requirement)?|\bDRR\b/i;
const ATR = /alcohol\s+treatment(\s+requirement)?|\bATR\b/i;
// Treatment under a doctor, in hospital or a care home, or by secondary services is secondary
// care; treatment by a psychologist or a primary care service (the usual CSTR MHTR) is primary.
const SECONDARY_CARE = /secondary|hospital|care\s+home|registered\s+medical\s+practitioner/i;

const COMMUNITY_ORDER = /community\s+order/i;
const SUSPENDED_SENTENCE_ORDER = /suspended\s+sentence/i;

/**
 * The treatment requirement a heading names, or undefined. `detail` (the rest of the result
 * text) decides between primary and secondary care MHTR.
 */
export function requirementTypeNamed(heading: string, detail = ''): RequirementTypeInput | undefined {
  if (MHTR.test(heading))
    return SECONDARY_CARE.test(detail) || SECONDARY_CARE.test(heading) ? 'mhtr-secondary' : 'mhtr-primary';
  if (DRR.test(heading)) return 'drr';
  if (ATR.test(heading)) return 'atr';
  return undefined;
}

/** The order type a heading names (community order or suspended sentence order), or undefined. */
export function orderTypeNamed(heading: string): OrderTypeInput | undefined {
  if (SUSPENDED_SENTENCE_ORDER.test(heading)) return 'suspended-sentence-order';
  if (COMMUNITY_ORDER.test(heading)) return 'community-order';
  return undefined;
}
