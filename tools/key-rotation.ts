/**
 * The rotation of the hub's keys (`npm run -s hub:rotate-key`, tools/hub-rotate-key.ts): prints the hub's configuration lines for a new
 * key, with a new key id, from the keys in the environment (e.g. `set -a; . ./.env; set +a`
 * first). Nothing is written anywhere: put the lines in the hub's environment, on every hub
 * instance, and restart them.
 *
 * - `audit`: `AUDIT_HMAC_KEYS` (the later keys kept — their records verify with them — and a new
 *   one last) and `AUDIT_HMAC_KEY_ID` (the new one). `AUDIT_HMAC_KEY` stays: it is key `k1`.
 * - `partition`: `PARTITION_KEY_ID` and `PARTITION_KEY_SECRET`. The old secret is not needed:
 *   the key only orders a person's deliveries, so at the restart each person's key changes once.
 */
import { randomBytes } from 'node:crypto';
import { auditKeyRing } from '../apps/hub/src/core/audit-keys.validator';
import { HubConfig } from '../apps/hub/src/hub.config';

/** What to print: the configuration lines (stdout) and notes for the operator (stderr). */
export interface Rotation {
  readonly lines: string[];
  readonly notes: string[];
}

/** The id after `ids`: `<prefix><n + 1>` after the highest `<prefix><n>`, never one in use. */
export function nextKeyId(ids: readonly string[], prefix: string): string {
  const numbers = ids.map((id) => new RegExp(`^${prefix}(\\d+)$`).exec(id)).map((match) => Number(match?.[1] ?? 0));
  let next = Math.max(0, ...numbers) + 1;
  while (ids.includes(`${prefix}${next}`)) next += 1;
  return `${prefix}${next}`;
}

/** The rotation of `kind` from the keys in `env`; `random` makes the new secret (tests pass their own). */
export function rotateKey(
  kind: 'audit' | 'partition',
  env: NodeJS.ProcessEnv,
  random: (bytes: number) => string = (bytes) => randomBytes(bytes).toString('hex'),
): Rotation {
  const defaults = new HubConfig();
  const notes: string[] = [];
  if (kind === 'partition') {
    const current = env.PARTITION_KEY_ID?.trim() || defaults.PARTITION_KEY_ID;
    const id = nextKeyId([current], 'p');
    return {
      lines: [`PARTITION_KEY_ID=${id}`, `PARTITION_KEY_SECRET=${random(24)}`],
      notes: [
        `Replaces partition key ${current}. Restart every hub instance with these lines; each person's partition key changes once, at the restart.`,
      ],
    };
  }
  const laterText = env.AUDIT_HMAC_KEYS?.trim() ?? '';
  if (env.AUDIT_HMAC_KEY === undefined)
    notes.push('AUDIT_HMAC_KEY is not set: the ring starts with the development default key.');
  // Checks the current keys as the hub does (throws naming what is wrong, never a secret).
  const ring = auditKeyRing({
    AUDIT_HMAC_KEY: env.AUDIT_HMAC_KEY ?? defaults.AUDIT_HMAC_KEY,
    AUDIT_HMAC_KEYS: laterText,
    AUDIT_HMAC_KEY_ID: env.AUDIT_HMAC_KEY_ID?.trim() ?? '',
  });
  const later = laterText
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const id = nextKeyId(ring.ids, 'k');
  notes.push(
    `New audit key ${id}; the earlier keys (${ring.ids.join(', ')}) stay — AUDIT_HMAC_KEY as k1 and the rest in AUDIT_HMAC_KEYS — so that records made under them verify. Never remove one.`,
    'Put these lines in the hub environment (replacing AUDIT_HMAC_KEYS and AUDIT_HMAC_KEY_ID if set), on every hub instance, and restart them.',
    `An instance not yet restarted cannot append after a record made under ${id}: its audit appends are refused (an alert; the events are retried, not lost). To avoid that, deploy AUDIT_HMAC_KEYS first with AUDIT_HMAC_KEY_ID=${ring.current.id}, then AUDIT_HMAC_KEY_ID=${id}.`,
  );
  return {
    lines: [`AUDIT_HMAC_KEYS=${[...later, `${id}:${random(32)}`].join(',')}`, `AUDIT_HMAC_KEY_ID=${id}`],
    notes,
  };
}
