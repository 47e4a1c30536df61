import { registerDecorator, type ValidationArguments } from 'class-validator';
import { PolicyConfigError } from '@cstr/policy';
import { HubPolicy } from './hub-policy';
import { projectPath } from '@cstr/platform';

/** Why the last check of a config object failed, for the message (class-validator asks separately). */
const failures = new WeakMap<object, string>();

/**
 * The agreements folder (this key) and the partners file (`PARTNERS_FILE` of the same config)
 * must load and check (SPEC §2, §5). Checked with the rest of the config, so a bad file stops the
 * hub before it connects to anything, with the `PolicyConfigError` message (file, line, reason).
 */
export function PolicyFilesLoad(): PropertyDecorator {
  return (target, property) => {
    registerDecorator({
      name: 'policyFilesLoad',
      target: target.constructor,
      propertyName: String(property),
      validator: {
        validate(value: unknown, args: ValidationArguments): boolean {
          const partnersFile = (args.object as { PARTNERS_FILE?: unknown }).PARTNERS_FILE;
          if (typeof value !== 'string' || typeof partnersFile !== 'string') return true; // the type checks of each key say why
          try {
            HubPolicy.load(projectPath(partnersFile), projectPath(value));
            return true;
          } catch (error) {
            if (!(error instanceof PolicyConfigError)) throw error;
            failures.set(args.object, error.message);
            return false;
          }
        },
        defaultMessage: (args?: ValidationArguments) =>
          `the partners and agreements do not load: ${(args && failures.get(args.object)) ?? 'unknown problem'}`,
      },
    });
  };
}
