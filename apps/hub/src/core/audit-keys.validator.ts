import { AuditKeyError, AuditKeyRing, FIRST_AUDIT_KEY_ID, parseAuditKeyEntries } from '@cstr/audit';
import { registerDecorator, type ValidationArguments } from 'class-validator';
import { DEV_ONLY_PREFIX } from './dev-only-secret.validator';

/** The audit keys of the hub's configuration. */
export interface AuditKeyConfig {
  readonly AUDIT_HMAC_KEY: string;
  readonly AUDIT_HMAC_KEYS: string;
  readonly AUDIT_HMAC_KEY_ID: string;
  readonly NODE_ENV?: string;
}

/**
 * The audit key ring the configuration describes, oldest first: `AUDIT_HMAC_KEY` as key `k1`
 * (the records written before key ids are under it), then the later keys of `AUDIT_HMAC_KEYS`
 * (`id:secret,…`); `AUDIT_HMAC_KEY_ID` names the current one (default: the last). Throws
 * {@link AuditKeyError} naming what is wrong (never a secret).
 */
export function auditKeyRing(config: AuditKeyConfig): AuditKeyRing {
  const later = parseAuditKeyEntries(config.AUDIT_HMAC_KEYS);
  if (later.some((entry) => entry.id === FIRST_AUDIT_KEY_ID))
    throw new AuditKeyError(
      `${FIRST_AUDIT_KEY_ID} is AUDIT_HMAC_KEY; AUDIT_HMAC_KEYS holds the later keys (npm run -s hub:rotate-key -- audit)`,
    );
  const currentId = config.AUDIT_HMAC_KEY_ID === '' ? undefined : config.AUDIT_HMAC_KEY_ID;
  return new AuditKeyRing([{ id: FIRST_AUDIT_KEY_ID, secret: config.AUDIT_HMAC_KEY }, ...later], currentId);
}

/**
 * The audit keys make a ring ({@link auditKeyRing}); in production none of the later keys is a
 * `dev-only-` development default. Put on `AUDIT_HMAC_KEYS`: the message names what is wrong.
 */
export function AuditKeysValid(): PropertyDecorator {
  return (target, property) => {
    let problem = '';
    registerDecorator({
      name: 'auditKeysValid',
      target: target.constructor,
      propertyName: String(property),
      validator: {
        validate(_value: unknown, args: ValidationArguments): boolean {
          const config = args.object as AuditKeyConfig;
          let ring: AuditKeyRing;
          try {
            ring = auditKeyRing(config);
          } catch (error) {
            problem = error instanceof AuditKeyError ? error.message : 'cannot be read';
            return false;
          }
          const devOnly =
            config.NODE_ENV === 'production' &&
            parseAuditKeyEntries(config.AUDIT_HMAC_KEYS).some((entry) =>
              String(entry.secret).startsWith(DEV_ONLY_PREFIX),
            );
          problem = devOnly
            ? `must hold secrets of its own in production (the ${DEV_ONLY_PREFIX} default is for development only)`
            : '';
          return ring.ids.length > 0 && !devOnly;
        },
        defaultMessage: () => problem,
      },
    });
  };
}
