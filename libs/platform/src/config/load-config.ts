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
  const problems = errors.flatMap(describe);
  if ((config as { NODE_ENV?: unknown }).NODE_ENV === 'production') {
    const reported = new Set(problems.map((problem) => problem.key));
    problems.push(...devOnlyValues(config as Record<string, unknown>).filter((problem) => !reported.has(problem.key)));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Marks the documented development defaults of secrets and passwords (`.env.example`, the local stack). */
export const DEV_ONLY_MARKER = 'dev-only-';

/**
 * Keys of a production config holding a development-only value: any string containing
 * {@link DEV_ONLY_MARKER} — a secret, or a password inside a URL. The value itself is never
 * repeated in the message.
 */
export function devOnlyValues(config: Record<string, unknown>): { key: string; problem: string }[] {
  return Object.entries(config)
    .filter(([, value]) => typeof value === 'string' && value.includes(DEV_ONLY_MARKER))
    .map(([key, value]) => ({
      key,
      problem: /^[a-z][a-z0-9+.-]*:\/\//i.test(value as string)
        ? `holds a development-only credential (${DEV_ONLY_MARKER}…); production needs a password of its own`
        : `holds a development-only value (${DEV_ONLY_MARKER}…); production needs a secret of its own`,
    }));
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
