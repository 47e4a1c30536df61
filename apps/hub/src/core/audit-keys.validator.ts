import { AuditKeyError, AuditKeyRing, FIRST_AUDIT_KEY_ID } from '@cstr/audit';
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
 * The audit key ring the configuration describes: `AUDIT_HMAC_KEYS` (`id:secret,…`, oldest
 * first) with `AUDIT_HMAC_KEY_ID` current (default the last), or else `AUDIT_HMAC_KEY` alone as
 * key `k1`. Throws {@link AuditKeyError} naming what is wrong (never a secret).
 */
export function auditKeyRing(config: AuditKeyConfig): AuditKeyRing {
  const currentId = config.AUDIT_HMAC_KEY_ID === '' ? undefined : config.AUDIT_HMAC_KEY_ID;
  if (config.AUDIT_HMAC_KEYS.trim() === '') {
    if (currentId !== undefined && currentId !== FIRST_AUDIT_KEY_ID)
      throw new AuditKeyError(
        `AUDIT_HMAC_KEY alone is key ${FIRST_AUDIT_KEY_ID}; name other keys in AUDIT_HMAC_KEYS (npm run -s hub:rotate-key -- audit)`,
      );
    return AuditKeyRing.single(config.AUDIT_HMAC_KEY);
  }
  return AuditKeyRing.parse(config.AUDIT_HMAC_KEYS, currentId);
}

/**
 * The audit keys make a ring ({@link auditKeyRing}); in production none of its secrets is a
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
          try {
            auditKeyRing(config);
          } catch (error) {
            problem = error instanceof AuditKeyError ? error.message : 'cannot be read';
            return false;
          }
          const devOnly =
            config.NODE_ENV === 'production' &&
            config.AUDIT_HMAC_KEYS.split(',').some((entry) =>
              entry
                .slice(entry.indexOf(':') + 1)
                .trim()
                .startsWith(DEV_ONLY_PREFIX),
            );
          problem = devOnly
            ? `must hold secrets of its own in production (the ${DEV_ONLY_PREFIX} default is for development only)`
            : '';
          return !devOnly;
        },
        defaultMessage: () => problem,
      },
    });
  };
}
