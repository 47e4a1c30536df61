import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Principal, Role } from './roles';

/** Lifetimes of a console session. */
export interface ConsoleSessionLifetimes {
  /** A session unused for this long ends. */
  readonly idleMs: number;
  /** A session ends this long after sign-in, however much it is used. */
  readonly maxMs: number;
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** The SHA-256 of a session id, as stored (hex). */
export function sessionIdHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** True when `value` has the shape of a session id (32 random bytes, base64url). */
export function isSessionToken(value: unknown): value is string {
  return typeof value === 'string' && TOKEN.test(value);
}

/**
 * The console's sessions in `hub_console_session`. The session id (32 random bytes) lives only in
 * the browser's cookie; the table holds its SHA-256. Times are the database's, so every hub
 * instance agrees on them.
 */
export class ConsoleSessionStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly lifetimes: ConsoleSessionLifetimes,
  ) {}

  /** Opens a session for the principal `principalId`: its id (for the cookie) and when it ends at the latest. */
  async create(principalId: string): Promise<{ token: string; expiresAt: Date }> {
    await this.purgeEnded();
    const token = randomBytes(32).toString('base64url');
    const rows = (await this.dataSource.query(
      `INSERT INTO hub_console_session (id_hash, principal_id, secret_fingerprint, expires_at)
       SELECT $1, id, encode(sha256(convert_to(secret_hash, 'UTF8')), 'hex'), now() + $3 * interval '1 millisecond'
       FROM hub_principal WHERE id = $2
       RETURNING expires_at`,
      [sessionIdHash(token), principalId, this.lifetimes.maxMs],
    )) as { expires_at: Date }[];
    if (rows.length !== 1) throw new Error(`No principal ${principalId} to open a session for`);
    return { token, expiresAt: rows[0].expires_at };
  }

  /**
   * The principal of a live session (and marks it used now), or undefined when the session does
   * not exist, was idle longer than `idleMs`, is older than `maxMs`, or its principal's secret
   * has changed since sign-in. Roles are the principal's as configured now.
   */
  async resolve(token: string): Promise<Principal | undefined> {
    if (!isSessionToken(token)) return undefined;
    const rows = (await this.dataSource.query(
      `UPDATE hub_console_session AS s SET last_seen_at = now()
       FROM hub_principal AS p
       WHERE s.id_hash = $1 AND p.id = s.principal_id
         AND s.expires_at > now()
         AND s.last_seen_at > now() - $2 * interval '1 millisecond'
         AND s.secret_fingerprint = encode(sha256(convert_to(p.secret_hash, 'UTF8')), 'hex')
       RETURNING p.id, p.kind, p.roles, p.partner_id`,
      [sessionIdHash(token), this.lifetimes.idleMs],
    )) as [{ id: string; kind: 'partner' | 'user'; roles: Role[]; partner_id: string | null }[], number];
    const [row] = rows[0];
    if (!row) return undefined;
    return row.kind === 'partner' && row.partner_id
      ? { kind: 'partner', id: row.id, roles: ['partner'], partnerId: row.partner_id }
      : { kind: 'user', id: row.id, roles: row.roles };
  }

  /** Ends a session (sign-out): it can no longer be used, from any hub instance. */
  async revoke(token: string): Promise<void> {
    if (!isSessionToken(token)) return;
    await this.dataSource.query('DELETE FROM hub_console_session WHERE id_hash = $1', [sessionIdHash(token)]);
  }

  /** Deletes the sessions that have ended (idle or too old); run at each sign-in. */
  async purgeEnded(): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM hub_console_session
       WHERE expires_at <= now() OR last_seen_at <= now() - $1 * interval '1 millisecond'`,
      [this.lifetimes.idleMs],
    );
  }
}
