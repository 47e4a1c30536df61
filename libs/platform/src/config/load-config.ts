import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/** A configuration key is missing or wrong: the app must not start. Names every bad key. */
export class ConfigError extends Error {
  readonly code = 'invalid-config';
  constructor(readonly problems: readonly { key: string; problem: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p.key}: ${p.problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Builds the typed config of an app from the environment and validates it (class-validator).
 * Values are converted to the declared types; defaults come from the class's initialisers.
 * Throws {@link ConfigError} naming each bad or missing key.
 */
export function loadConfig<T extends object>(configClass: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const defaults = new configClass() as Record<string, unknown>;
  const source: Record<string, unknown> = {};
  for (const key of Object.keys(defaults).concat(declaredKeys(configClass))) {
    const value = env[key];
    if (value !== undefined && value !== '') source[key] = value;
  }
  const config = plainToInstance(
    configClass,
    { ...defaults, ...source },
    { enableImplicitConversion: true, exposeDefaultValues: true },
  );
  const errors = validateSync(config, { whitelist: true, forbidNonWhitelisted: false });
  if (errors.length > 0) throw new ConfigError(errors.flatMap(describe));
  return config;
}

function describe(error: ValidationError): { key: string; problem: string }[] {
  const problems = Object.values(error.constraints ?? {});
  const key = error.property;
  if ((error.value === undefined || error.value === null) && problems.length > 0)
    return [{ key, problem: 'is required but not set' }];
  return [{ key, problem: problems.map((problem) => problem.replace(new RegExp(`^${key} `), '')).join('; ') }];
}

const CONFIG_KEYS = Symbol('cstr:config-keys');

/**
 * Marks a property as a configuration key read from the environment (needed for keys without
 * a default value, which an instance does not list).
 */
export function ConfigKey(): PropertyDecorator {
  return (target, property) => {
    const keys = (Reflect.getMetadata(CONFIG_KEYS, target) as string[] | undefined) ?? [];
    Reflect.defineMetadata(CONFIG_KEYS, [...keys, String(property)], target);
  };
}

function declaredKeys(configClass: new () => object): string[] {
  return (Reflect.getMetadata(CONFIG_KEYS, configClass.prototype) as string[] | undefined) ?? [];
}
