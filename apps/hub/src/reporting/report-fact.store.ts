import type { EntityManager } from 'typeorm';
import { storableText } from '../ingress/safe-text';
import type { FactScore, ReportedEventType, ReportFact } from './report-facts';

interface FactRow {
  event_id: string;
  event_type: ReportedEventType;
  occurred_at: Date;
  month: string;
  person_id: string;
  sender_kind: string;
  requirement_types: string[];
  outcome: string | null;
  gender: string | null;
  age_band: string | null;
  scores: FactScore[];
  fact_date: string | null;
  ethnic_group: ReportFact['ethnicGroup'];
  gender_identity: ReportFact['genderIdentity'];
  disability: ReportFact['disability'];
  communication_needs: ReportFact['communicationNeeds'];
}

/** `hub_report_fact`: the reporting facts of accepted events. */
export class ReportFactStore {
  /**
   * The requirement types last known for a person: those of their latest sentence, else of their
   * latest event that carried any (a referral, an assessment); none when nothing is known yet.
   */
  async knownRequirementTypes(manager: EntityManager, personId: string): Promise<string[]> {
    const [row] = (await manager.query(
      `SELECT requirement_types FROM hub_report_fact
       WHERE person_id = $1 AND types_carried
       ORDER BY (event_type = 'court.sentence.imposed') DESC, occurred_at DESC LIMIT 1`,
      [personId],
    )) as { requirement_types: string[] }[];
    return row?.requirement_types ?? [];
  }

  /** Stores a fact; a redelivered event finds it stored already. */
  async insert(manager: EntityManager, fact: ReportFact, typesCarried: boolean): Promise<void> {
    const text = (value: string | null): string | null => (value === null ? null : storableText(value, 100));
    await manager.query(
      `INSERT INTO hub_report_fact (event_id, event_type, occurred_at, month, person_id, sender_kind, requirement_types, types_carried, outcome, gender, age_band, scores, fact_date,
                                    ethnic_group, gender_identity, disability, communication_needs)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
       ON CONFLICT (event_id) DO NOTHING`,
      [
        fact.eventId,
        fact.eventType,
        fact.occurredAt,
        fact.month,
        fact.personId,
        text(fact.senderKind),
        fact.requirementTypes.map((type) => storableText(type, 100)),
        typesCarried,
        text(fact.outcome),
        text(fact.gender),
        fact.ageBand,
        JSON.stringify(
          fact.scores.map((score) => ({
            instrument: storableText(score.instrument, 100),
            score: score.score,
            stage: text(score.stage),
          })),
        ),
        fact.factDate,
        fact.ethnicGroup,
        fact.genderIdentity,
        fact.disability,
        fact.communicationNeeds,
      ],
    );
  }

  /**
   * The facts the dataset of `month` needs: every fact up to the end of the month of the people
   * who have a fact in it (the measures that look back need their earlier facts).
   */
  async forMonth(manager: EntityManager, month: string): Promise<ReportFact[]> {
    const rows = (await manager.query(
      `SELECT event_id, event_type, occurred_at, month, person_id, sender_kind, requirement_types, outcome, gender, age_band, scores,
              to_char(fact_date, 'YYYY-MM-DD') AS fact_date, ethnic_group, gender_identity, disability, communication_needs
       FROM hub_report_fact
       WHERE month <= $1 AND person_id IN (SELECT DISTINCT person_id FROM hub_report_fact WHERE month = $1)
       ORDER BY occurred_at, event_id`,
      [month],
    )) as FactRow[];
    return rows.map((row) => ({
      eventId: row.event_id,
      eventType: row.event_type,
      occurredAt: row.occurred_at.toISOString(),
      month: row.month,
      personId: row.person_id,
      senderKind: row.sender_kind,
      requirementTypes: row.requirement_types,
      outcome: row.outcome,
      gender: row.gender,
      ageBand: row.age_band,
      scores: row.scores,
      factDate: row.fact_date,
      ethnicGroup: row.ethnic_group,
      genderIdentity: row.gender_identity,
      disability: row.disability,
      communicationNeeds: row.communication_needs,
    }));
  }
}
