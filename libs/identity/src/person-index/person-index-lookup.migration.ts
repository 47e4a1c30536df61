import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `person_index_lock_and_find_owners(lock_keys, systems, identifier_values)`: takes the
 * transaction-scoped advisory locks of a resolve, one after the other in the order given, then
 * returns the persons (merged or not) holding any of the identifiers, in id order — one round trip
 * instead of two for every event the hub resolves. VOLATILE, so under READ COMMITTED the search
 * takes its snapshot after the locks are held and sees what a resolve holding them before committed.
 */
export class PersonIndexLookup1796688000000 implements MigrationInterface {
  name = 'PersonIndexLookup1796688000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE OR REPLACE FUNCTION person_index_lock_and_find_owners(lock_keys bigint[], systems text[], identifier_values text[])
      RETURNS TABLE (person_id uuid) LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        lock_key bigint;
      BEGIN
        FOREACH lock_key IN ARRAY lock_keys LOOP
          PERFORM pg_advisory_xact_lock(lock_key);
        END LOOP;
        RETURN QUERY
          SELECT DISTINCT i.person_id FROM person_identifier i
            JOIN unnest(systems, identifier_values) AS s(system, value) ON s.system = i.system AND s.value = i.value
           ORDER BY i.person_id;
      END
      $$`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP FUNCTION IF EXISTS person_index_lock_and_find_owners(bigint[], text[], text[])');
  }
}
