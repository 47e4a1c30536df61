import { registerDecorator, type ValidationArguments } from 'class-validator';
import { projectPath } from '@cstr/platform';
import { SHIPPED_PRINCIPALS_FILE, shippedPrincipalProblems } from '../auth/shipped-principals';

/** Prefix of the documented development defaults of secrets (see `.env.example`). */
export const DEV_ONLY_PREFIX = 'dev-only-';

const isProduction = (args: ValidationArguments): boolean =>
  (args.object as { NODE_ENV?: string }).NODE_ENV === 'production';

/**
 * The value may start with `dev-only-` (a documented development default) only when `NODE_ENV`
 * is not `production`: a production hub must be given its own secret. (Any other key holding a
 * `dev-only-` value is refused in production by `loadConfig` itself.)
 */
export function NotDevOnlyInProduction(): PropertyDecorator {
  return (target, property) => {
    registerDecorator({
      name: 'notDevOnlyInProduction',
      target: target.constructor,
      propertyName: String(property),
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          return !(isProduction(args) && typeof value === 'string' && value.startsWith(DEV_ONLY_PREFIX));
        },
        defaultMessage: () =>
          `must be set in production, to a secret of its own (the ${DEV_ONLY_PREFIX} default is for development only)`,
      },
    });
  };
}

/** Why the last check of a config object failed, for the message (class-validator asks separately). */
const principalFailures = new WeakMap<object, string[]>();

/**
 * In production the principals file (this key) must hold principals of the deployment's own:
 * none marked `demo: true`, none with a shipped demo principal's hash, none whose secret is the
 * documented `dev-only-<id>` (see `shippedPrincipalProblems`), and it must load. Checked with the
 * rest of the config, so the hub stops before it connects to anything, naming each principal.
 */
export function NoShippedPrincipalsInProduction(): PropertyDecorator {
  return (target, property) => {
    registerDecorator({
      name: 'noShippedPrincipalsInProduction',
      target: target.constructor,
      propertyName: String(property),
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          if (!isProduction(args) || typeof value !== 'string' || value === '') return true;
          const problems = shippedPrincipalProblems(projectPath(value), projectPath(SHIPPED_PRINCIPALS_FILE));
          if (problems.length === 0) return true;
          principalFailures.set(args.object, problems);
          return false;
        },
        defaultMessage: (args?: ValidationArguments) =>
          `production needs principals of its own (make them with \`npm run hub:principal -- create\`): ${(
            (args && principalFailures.get(args.object)) ?? ['unknown problem']
          ).join('; ')}`,
      },
    });
  };
}
