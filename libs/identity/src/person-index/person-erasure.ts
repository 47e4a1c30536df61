/**
 * Erasing a person from the person index (an operator's erasure, or retention): the person, every
 * person merged into it, their identifiers, demographics key, possible matches and link records.
 */
import type { EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import type { PersonIdentifier } from './person-index.types';

/** What an erasure took out of the person index. */
export interface PersonErasure {
  /** The person and every person merged into it (none when the id was unknown). */
  readonly personIds: string[];
  /**
   * Every identifier they hold, or that their link records name and no other person holds now:
   * what to erase elsewhere too.
   */
  readonly identifiers: PersonIdentifier[];
}

/**
 * The setting a transaction turns on (`SET LOCAL`) to delete link records: the append-only
 * trigger lets a DELETE through only then, so that no ordinary statement removes history.
 */
export const PERSON_ERASURE_SETTING = 'cstr.person_erasure';

/**
 * Erases the live person `personId` stands for (it may be a merged id) and its merged persons,
 * in the caller's transaction; the persons are locked first. Returns what it erased.
 */
export async function erasePersonFamily(tx: EntityManager, personId: string): Promise<PersonErasure> {
  const family = (await tx.query(
    `WITH RECURSIVE up(id, merged_into) AS (
       SELECT id, merged_into FROM person WHERE id = $1::uuid
       UNION SELECT p.id, p.merged_into FROM person p JOIN up ON p.id = up.merged_into
     ), root AS (SELECT id FROM up WHERE merged_into IS NULL),
     family(id) AS (
       SELECT id FROM root
       UNION SELECT p.id FROM person p JOIN family f ON p.merged_into = f.id
     )
     SELECT id FROM person WHERE id IN (SELECT id FROM family) ORDER BY id FOR UPDATE`,
    [personId],
  )) as { id: string }[];
  const ids = family.map((row) => row.id);
  if (ids.length === 0) return { personIds: [], identifiers: [] };
  const identifiers = (await tx.query(
    `SELECT system, value FROM person_identifier WHERE person_id = ANY($1::uuid[])
     UNION
     SELECT item->>'system', item->>'value' FROM person_link_record, jsonb_array_elements(identifiers) AS item
      WHERE person_id = ANY($1::uuid[]) AND item ? 'system' AND item ? 'value'
        -- An identifier unlinked from this person and now another's is that person's to keep.
        AND NOT EXISTS (SELECT 1 FROM person_identifier other WHERE other.system = item->>'system'
                          AND other.value = item->>'value' AND other.person_id <> ALL($1::uuid[]))
     ORDER BY 1, 2`,
    [ids],
  )) as PersonIdentifier[];
  await tx.query(`SELECT set_config('${PERSON_ERASURE_SETTING}', 'on', true)`);
  await tx.query('DELETE FROM person_link_record WHERE person_id = ANY($1::uuid[])', [ids]);
  await tx.query('DELETE FROM possible_match WHERE person_a = ANY($1::uuid[]) OR person_b = ANY($1::uuid[])', [ids]);
  await tx.query('DELETE FROM person_demographics WHERE person_id = ANY($1::uuid[])', [ids]);
  await tx.query('DELETE FROM person_identifier WHERE person_id = ANY($1::uuid[])', [ids]);
  // One statement: the merged rows and the one they point at go together.
  await tx.query('DELETE FROM person WHERE id = ANY($1::uuid[])', [ids]);
  await tx.query(`SELECT set_config('${PERSON_ERASURE_SETTING}', 'off', true)`);
  return { personIds: ids, identifiers };
}

/**
 * Link records stay append-only, except that a transaction that declares an erasure
 * ({@link PERSON_ERASURE_SETTING}) may delete them.
 */
export class PersonIndexErasure1767920000000 implements MigrationInterface {
  name = 'PersonIndexErasure1767920000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE OR REPLACE FUNCTION person_link_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('${PERSON_ERASURE_SETTING}', true) = 'on' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'person_link_record is append-only' USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE OR REPLACE FUNCTION person_link_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'person_link_record is append-only' USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
  }
}
