import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PersonIndexErasure1767920000000 } from './person-erasure';
import { PersonIndexLookup1796688000000 } from './person-index-lookup.migration';

/**
 * Tables of the person index, in the app's own schema (search_path):
 * - `person`: one row per person the hub knows; a merged person keeps its row and points to the
 *   survivor (`merged_into`), so an id stored elsewhere can still be followed;
 * - `person_identifier`: each strong identifier (normalised value) belongs to exactly one person;
 * - `person_demographics`: a hash of the latest normalised family name, given names and birth
 *   date, used only to raise possible matches — never to link;
 * - `person_link_record`: every create, link, merge, unlink, possible match, conflict and review,
 *   append-only (a trigger refuses UPDATE and DELETE);
 * - `possible_match`: pairs of persons with equal name and birth date, for a person to review.
 */
export class PersonIndexSchema1764460800000 implements MigrationInterface {
  name = 'PersonIndexSchema1764460800000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE IF NOT EXISTS person (
        id          uuid        PRIMARY KEY,
        created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
        merged_into uuid        REFERENCES person (id),
        merged_at   timestamptz,
        CHECK (merged_into IS NULL OR merged_into <> id)
      )`);
    await runner.query(
      'CREATE INDEX IF NOT EXISTS person_merged_into_idx ON person (merged_into) WHERE merged_into IS NOT NULL',
    );
    await runner.query(`
      CREATE TABLE IF NOT EXISTS person_identifier (
        system          text        NOT NULL,
        value           text        NOT NULL,
        person_id       uuid        NOT NULL REFERENCES person (id),
        linked_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
        source_event_id text,
        PRIMARY KEY (system, value)
      )`);
    await runner.query('CREATE INDEX IF NOT EXISTS person_identifier_person_idx ON person_identifier (person_id)');
    await runner.query(`
      CREATE TABLE IF NOT EXISTS person_demographics (
        person_id      uuid        PRIMARY KEY REFERENCES person (id),
        name_birth_key text        NOT NULL,
        updated_at     timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await runner.query(
      'CREATE INDEX IF NOT EXISTS person_demographics_key_idx ON person_demographics (name_birth_key)',
    );
    await runner.query(`
      CREATE TABLE IF NOT EXISTS person_link_record (
        id                bigserial   PRIMARY KEY,
        action            text        NOT NULL CHECK (action IN ('create', 'link', 'merge', 'unlink', 'possible-match', 'conflict', 'review')),
        person_id         uuid        NOT NULL,
        related_person_id uuid,
        identifiers       jsonb       NOT NULL DEFAULT '[]'::jsonb,
        source_event_id   text,
        actor             text        NOT NULL,
        reason            text        NOT NULL,
        at                timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await runner.query('CREATE INDEX IF NOT EXISTS person_link_record_person_idx ON person_link_record (person_id)');
    await runner.query(
      'CREATE INDEX IF NOT EXISTS person_link_record_related_idx ON person_link_record (related_person_id) WHERE related_person_id IS NOT NULL',
    );
    await runner.query(`
      CREATE OR REPLACE FUNCTION person_link_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'person_link_record is append-only' USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await runner.query('DROP TRIGGER IF EXISTS person_link_record_append_only ON person_link_record');
    await runner.query(`
      CREATE TRIGGER person_link_record_append_only BEFORE UPDATE OR DELETE ON person_link_record
      FOR EACH ROW EXECUTE FUNCTION person_link_record_append_only()`);
    await runner.query(`
      CREATE TABLE IF NOT EXISTS possible_match (
        id              uuid        PRIMARY KEY,
        person_a        uuid        NOT NULL REFERENCES person (id),
        person_b        uuid        NOT NULL REFERENCES person (id),
        basis           text        NOT NULL CHECK (basis IN ('name+birthDate')),
        status          text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'confirmed', 'rejected')),
        source_event_id text,
        created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
        reviewed_at     timestamptz,
        reviewed_by     text,
        CHECK (person_a < person_b)
      )`);
    // One row per pair and basis: a pair already reviewed is not raised again.
    await runner.query(
      'CREATE UNIQUE INDEX IF NOT EXISTS possible_match_pair_idx ON possible_match (person_a, person_b, basis)',
    );
    await runner.query(
      "CREATE INDEX IF NOT EXISTS possible_match_open_idx ON possible_match (created_at) WHERE status = 'open'",
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE IF EXISTS possible_match');
    await runner.query('DROP TABLE IF EXISTS person_link_record');
    await runner.query('DROP FUNCTION IF EXISTS person_link_record_append_only()');
    await runner.query('DROP TABLE IF EXISTS person_demographics');
    await runner.query('DROP TABLE IF EXISTS person_identifier');
    await runner.query('DROP TABLE IF EXISTS person');
  }
}

/** The migrations of the person index; an app passes them to `createAppDataSource({ migrations })`. */
export const PERSON_INDEX_MIGRATIONS = [
  PersonIndexSchema1764460800000,
  PersonIndexErasure1767920000000,
  PersonIndexLookup1796688000000,
];
