/** What the provisioning commands (broker, database) share: URL parsing, durations, and printing without passwords. */

/** The URL, or undefined when the text is not one. */
export function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** Milliseconds as seconds for a person, e.g. `2.5 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Passwords in play: masked in anything printed, whatever a library put in its message. */
const secrets: string[] = [];

/** Adds passwords to mask from now on. */
export function maskSecrets(...values: readonly string[]): void {
  secrets.push(...values);
}

/** The text with URL passwords and every registered secret masked. */
export function redact(text: string): string {
  let result = text.replace(/\/\/([^:/@\s]+):[^@\s]*@/g, '//$1:***@');
  for (const secret of secrets) if (secret) result = result.split(secret).join('***');
  return result;
}

/** Runs a command's main and exits 0, or prints its error (passwords masked) and exits 1. */
export function runCommand(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(redact(error instanceof Error ? error.message : String(error)));
      process.exit(1);
    },
  );
}
