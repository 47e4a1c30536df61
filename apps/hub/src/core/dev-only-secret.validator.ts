import { registerDecorator, type ValidationArguments } from 'class-validator';

/** Prefix of the documented development defaults of secrets (see `.env.example`). */
export const DEV_ONLY_PREFIX = 'dev-only-';

/**
 * The value may start with `dev-only-` (a documented development default) only when `NODE_ENV`
 * is not `production`: a production hub must be given its own secret.
 */
export function NotDevOnlyInProduction(): PropertyDecorator {
  return (target, property) => {
    registerDecorator({
      name: 'notDevOnlyInProduction',
      target: target.constructor,
      propertyName: String(property),
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          const production = (args.object as { NODE_ENV?: string }).NODE_ENV === 'production';
          return !(production && typeof value === 'string' && value.startsWith(DEV_ONLY_PREFIX));
        },
        defaultMessage: () =>
          `must be set to a secret of its own in production (the ${DEV_ONLY_PREFIX} default is for development only)`,
      },
    });
  };
}
