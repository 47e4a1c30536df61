import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  headerValue,
  unauthenticated,
  type AuthenticatedCaller,
  type InboundAuthenticator,
  type InboundRequest,
} from '@cstr/platform';

/** The header each Subscription's notifications carry, as set in `channel.header`. */
export const SUBSCRIPTION_SECRET_HEADER = 'Authorization';

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The per-subscription secrets of the provider's rest-hook Subscriptions: a random secret made
 * for each Subscription the adapter creates, sent back by the server in every notification
 * (`Authorization: Bearer <secret>`, from `channel.header`), kept here as its SHA-256.
 */
export class SubscriptionSecrets implements InboundAuthenticator {
  constructor(private readonly dataSource: DataSource) {}

  /** A new secret and the `channel.header` line that carries it. */
  static create(): { readonly secret: string; readonly header: string } {
    const secret = randomBytes(32).toString('base64url');
    return { secret, header: `${SUBSCRIPTION_SECRET_HEADER}: Bearer ${secret}` };
  }

  /** Remembers the secret of Subscription `id` (replacing an earlier one). */
  async remember(subscriptionId: string, criteria: string, endpoint: string, secret: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO provider_subscription_secret (subscription_id, criteria, endpoint, secret_sha256)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (subscription_id) DO UPDATE SET criteria = $2, endpoint = $3, secret_sha256 = $4, created_at = now()`,
      [subscriptionId, criteria, endpoint, sha256(secret)],
    );
  }

  /** The ids of the Subscriptions whose secret the adapter knows. */
  async known(): Promise<Set<string>> {
    const rows = (await this.dataSource.query('SELECT subscription_id FROM provider_subscription_secret')) as {
      subscription_id: string;
    }[];
    return new Set(rows.map((row) => row.subscription_id));
  }

  /** A notification is let in only with the secret of one of the adapter's Subscriptions (401 otherwise). */
  async authenticate(request: InboundRequest): Promise<AuthenticatedCaller> {
    const header = headerValue(request, SUBSCRIPTION_SECRET_HEADER);
    const secret = header ? /^Bearer\s+(\S+)$/i.exec(header.trim())?.[1] : undefined;
    if (!secret) throw unauthenticated('A notification must carry its Subscription’s secret header.');
    const rows = (await this.dataSource.query(
      'SELECT subscription_id FROM provider_subscription_secret WHERE secret_sha256 = $1',
      [sha256(secret)],
    )) as { subscription_id: string }[];
    if (rows.length === 0) throw unauthenticated('The secret is not that of a Subscription of this adapter.');
    return { clientId: `Subscription/${rows[0].subscription_id}` };
  }
}
