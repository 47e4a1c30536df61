/**
 * `npm run hub:principal -- hash`: reads a secret from standard input (typed, or piped) and prints
 * the `secretHash:` line to put in `config/principals.yaml`. The secret itself is never written
 * anywhere; give it to its owner by a separate, safe channel.
 *
 *   printf '%s' "$SECRET" | npm run -s hub:principal -- hash
 */
import { hashSecret } from '../apps/hub/src/auth/secret-hash';

const MIN_SECRET_LENGTH = 16;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  // A typed secret ends with the Enter key; the newline is not part of it.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function main(): Promise<number> {
  const [command] = process.argv.slice(2);
  if (command !== 'hash') {
    process.stderr.write('usage: npm run -s hub:principal -- hash   (reads the secret from standard input)\n');
    return 2;
  }
  if (process.stdin.isTTY) process.stderr.write('Secret (then Enter and Ctrl-D): ');
  const secret = await readStdin();
  if (secret.length < MIN_SECRET_LENGTH) {
    process.stderr.write(`The secret must be at least ${MIN_SECRET_LENGTH} characters long.\n`);
    return 1;
  }
  process.stdout.write(`secretHash: ${await hashSecret(secret)}\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
