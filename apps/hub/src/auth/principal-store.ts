import type { DataSource } from 'typeorm';
import type { Role, StoredPrincipal } from './roles';

interface PrincipalRow {
  id: string;
  kind: 'partner' | 'user';
  roles: Role[];
  partner_id: string | null;
  secret_hash: string;
}

/** The `hub_principal` table: who may call the HTTP API. */
export class PrincipalStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Makes the table hold exactly `principals` (the principals file is the source of truth):
   * upserts each, removes those no longer configured. One transaction.
   */
  async replaceAll(principals: readonly StoredPrincipal[]): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.query('DELETE FROM hub_principal WHERE NOT (id = ANY($1::text[]))', [
        principals.map((principal) => principal.id),
      ]);
      for (const principal of principals) {
        await manager.query(
          `INSERT INTO hub_principal (id, kind, roles, partner_id, secret_hash) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (id) DO UPDATE SET kind = EXCLUDED.kind, roles = EXCLUDED.roles, partner_id = EXCLUDED.partner_id,
             secret_hash = EXCLUDED.secret_hash, updated_at = now()
           WHERE (hub_principal.kind, hub_principal.roles, hub_principal.partner_id, hub_principal.secret_hash)
             IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.roles, EXCLUDED.partner_id, EXCLUDED.secret_hash)`,
          [
            principal.id,
            principal.kind,
            principal.roles,
            principal.kind === 'partner' ? principal.partnerId : null,
            principal.secretHash,
          ],
        );
      }
    });
  }

  /** The principal with this id, or undefined. */
  async find(id: string): Promise<StoredPrincipal | undefined> {
    const [row] = (await this.dataSource.query(
      'SELECT id, kind, roles, partner_id, secret_hash FROM hub_principal WHERE id = $1',
      [id],
    )) as PrincipalRow[];
    if (!row) return undefined;
    return row.kind === 'partner' && row.partner_id
      ? { kind: 'partner', id: row.id, roles: ['partner'], partnerId: row.partner_id, secretHash: row.secret_hash }
      : { kind: 'user', id: row.id, roles: row.roles, secretHash: row.secret_hash };
  }
}
