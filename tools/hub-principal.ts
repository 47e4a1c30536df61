/**
 * `npm run hub:principal`: makes the principals of the hub's HTTP API and console.
 *
 *   npm run -s hub:principal -- create <id> --roles ig-auditor[,operator,admin] [--file <principals file>]
 *   npm run -s hub:principal -- create <partner id> --partner [--file <principals file>]
 *       generates a long random secret, adds the principal with its scrypt hash to the principals
 *       file (created when missing; default PRINCIPALS_FILE) and prints the secret, once, on
 *       standard output — nothing else is printed there, so `SECRET=$(…)` captures it. The secret
 *       is stored nowhere; give it to its owner by a separate, safe channel, then restart the hub.
 *
 *   printf '%s' "$SECRET" | npm run -s hub:principal -- hash
 *       prints the `secretHash:` line of a secret read from standard input (to replace a secret).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { loadPartnersFile } from '@cstr/policy';
import { parsePrincipals, PRINCIPAL_ID, PrincipalsConfigError } from '../apps/hub/src/auth/principals.loader';
import { USER_ROLES } from '../apps/hub/src/auth/roles';
import { hashSecret } from '../apps/hub/src/auth/secret-hash';

const MIN_SECRET_LENGTH = 16;
/** Bytes of a generated secret: 32 base64url characters, 192 bits. */
const GENERATED_SECRET_BYTES = 24;

const USAGE = `usage:
  npm run -s hub:principal -- create <id> --roles <${USER_ROLES.join('|')}>[,…] [--file <principals file>]
  npm run -s hub:principal -- create <partner id> --partner [--file <principals file>]
  npm run -s hub:principal -- hash   (reads the secret from standard input)
`;

/** A refusal with its exit code (2: usage, 1: refused). */
class CommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  // A typed secret ends with the Enter key; the newline is not part of it.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function hash(): Promise<number> {
  if (process.stdin.isTTY) process.stderr.write('Secret (then Enter and Ctrl-D): ');
  const secret = await readStdin();
  if (secret.length < MIN_SECRET_LENGTH) {
    process.stderr.write(`The secret must be at least ${MIN_SECRET_LENGTH} characters long.\n`);
    return 1;
  }
  process.stdout.write(`secretHash: ${await hashSecret(secret)}\n`);
  return 0;
}

function options(args: string[]): { id: string; roles?: string[]; partner: boolean; file?: string } {
  const [id, ...rest] = args;
  if (!id || id.startsWith('--')) throw new CommandError(USAGE, 2);
  let roles: string[] | undefined;
  let partner = false;
  let file: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    if (flag === '--partner') partner = true;
    else if (flag === '--roles' && rest[i + 1]) roles = rest[++i].split(',').map((role) => role.trim());
    else if (flag === '--file' && rest[i + 1]) file = rest[++i];
    else throw new CommandError(USAGE, 2);
  }
  if (partner === (roles !== undefined)) throw new CommandError(`Give either --roles or --partner.\n${USAGE}`, 2);
  return { id, roles, partner, file };
}

async function create(args: string[]): Promise<number> {
  const { id, roles, partner, file: fileOption } = options(args);
  const file = resolve(fileOption ?? process.env.PRINCIPALS_FILE ?? '');
  if (!fileOption && !process.env.PRINCIPALS_FILE)
    throw new CommandError('Name the principals file: --file <path> (or set PRINCIPALS_FILE).\n', 2);
  if (!PRINCIPAL_ID.test(id))
    throw new CommandError(`${id}: an id is lower-case words joined by hyphens or dots.\n`, 1);
  if (roles && !roles.every((role) => USER_ROLES.includes(role as never)))
    throw new CommandError(`--roles must list one or more of ${USER_ROLES.join(', ')}.\n`, 1);
  const partners = loadPartnersFile(resolve(process.env.PARTNERS_FILE ?? 'config/partners.yaml'));
  if (partner && !partners.some((candidate) => candidate.id === id))
    throw new CommandError(
      `${id} is not a partner of the partners file (a partner principal's id is its partner id).\n`,
      1,
    );

  const text = existsSync(file) ? readFileSync(file, 'utf8') : 'principals: []\n';
  const document = parseDocument(text);
  // An empty file, or an empty `principals:` key, gets a list.
  if (document.contents === null)
    document.contents = document.createNode({ principals: [] }) as unknown as typeof document.contents;
  const existing: unknown = isMap(document.contents) ? document.contents.get('principals', true) : undefined;
  if (isMap(document.contents) && isScalar(existing) && existing.value === null)
    (document.contents as unknown as YAMLMap<string, unknown>).set('principals', document.createNode([]));
  const list = isMap(document.contents) ? document.contents.get('principals', true) : undefined;
  if (!isSeq(list)) throw new CommandError(`${file}: has no top-level \`principals:\` list.\n`, 1);
  if (list.items.some((item) => (item as { toJSON(): { id?: unknown } }).toJSON().id === id))
    throw new CommandError(`${id} is already in ${file}; to give it a new secret, replace its secretHash (hash).\n`, 1);

  const secret = randomBytes(GENERATED_SECRET_BYTES).toString('base64url');
  const entry = partner
    ? { id, kind: 'partner', partner: id, secretHash: await hashSecret(secret) }
    : { id, kind: 'user', roles, secretHash: await hashSecret(secret) };
  list.flow = false;
  list.add(document.createNode(entry));
  const updated = document.toString({ lineWidth: 0 });
  try {
    parsePrincipals(updated, file, (partnerId) => partners.some((candidate) => candidate.id === partnerId));
  } catch (error) {
    if (error instanceof PrincipalsConfigError) throw new CommandError(`${error.message}\n`, 1);
    throw error;
  }
  const temporary = `${file}.${process.pid}.tmp`;
  // Hashes only, read by the hub's user: an existing file keeps its mode.
  writeFileSync(temporary, updated, { mode: existsSync(file) ? statSync(file).mode & 0o777 : 0o644 });
  renameSync(temporary, file);
  process.stderr.write(
    `Added ${id} (${partner ? 'partner' : (roles ?? []).join(', ')}) to ${file}; restart the hub to load it.\n` +
      'Its secret follows, shown this once: give it to its owner by a separate, safe channel.\n',
  );
  process.stdout.write(`${secret}\n`);
  return 0;
}

async function main(): Promise<number> {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'hash') return hash();
  if (command === 'create') return create(args);
  process.stderr.write(USAGE);
  return 2;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof CommandError) {
      process.stderr.write(error.message);
      process.exit(error.exitCode);
    }
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
