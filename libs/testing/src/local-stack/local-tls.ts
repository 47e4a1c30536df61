import { X509Certificate, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { aptInstall, isRoot, runChecked } from './processes';

/** The files of a stack's local certificate authority and the certificates it issued (all PEM). */
export interface LocalTlsFiles {
  /** Folder of them all (`<stack>/tls`). */
  readonly dir: string;
  /** The CA certificate every client trusts: `ca.pem`. */
  readonly caFile: string;
  /** The servers' certificate (RabbitMQ, PostgreSQL) and its key (mode 0600). */
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** A client certificate per broker user (`clients/<user>.pem`, CN = the user name) and its key. */
  clientCertFile(user: string): string;
  clientKeyFile(user: string): string;
}

/** Options of {@link ensureLocalTls}. */
export interface LocalTlsOptions {
  /** The folder to keep them in, e.g. `.stack/test/tls`. */
  readonly dir: string;
  /** Host names and addresses the server certificate is valid for. Default `localhost`, `127.0.0.1`, `::1`. */
  readonly serverNames?: readonly string[];
  /** Broker users to issue a client certificate for (CN = user name). */
  readonly clientUsers?: readonly string[];
  /** A certificate expiring within this many days is issued again. Default 30. */
  readonly renewWithinDays?: number;
}

/** What {@link ensureLocalTls} did: `renewed` when the CA or the server certificate is new (servers must restart). */
export interface LocalTlsResult {
  readonly files: LocalTlsFiles;
  readonly renewed: boolean;
}

const CA_DAYS = 3650;
const LEAF_DAYS = 397;
const DEFAULT_SERVER_NAMES = ['localhost', '127.0.0.1', '::1'];

/**
 * Makes (or keeps) a local certificate authority and the certificates of one stack with
 * `openssl`: the CA (`ca.pem`), a server certificate for the broker and the database, and a
 * client certificate per broker user (for RabbitMQ's EXTERNAL login). Keys are EC P-256 and
 * mode 0600. A missing or expiring certificate (or one whose issuer is not the current CA, or
 * whose names changed) is issued again; a new CA re-issues everything.
 */
export async function ensureLocalTls(options: LocalTlsOptions): Promise<LocalTlsResult> {
  const dir = resolve(options.dir);
  const files = localTlsFiles(dir);
  mkdirSync(join(dir, 'clients'), { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o755);
  await ensureOpenssl(dir);
  const renewWithinMs = (options.renewWithinDays ?? 30) * 86_400_000;
  const serverNames = options.serverNames ?? DEFAULT_SERVER_NAMES;

  let renewed = false;
  const ca = readCertificate(files.caFile);
  if (!ca || !existsSync(join(dir, 'ca.key')) || expiresWithin(ca, renewWithinMs * 4)) {
    await newCa(dir);
    renewed = true;
  }
  const caCert = readCertificate(files.caFile);
  if (!caCert) throw new Error(`openssl wrote no readable CA certificate to ${files.caFile}`);

  const server = readCertificate(files.serverCertFile);
  if (
    renewed ||
    !server ||
    !existsSync(files.serverKeyFile) ||
    !issuedBy(server, caCert, renewWithinMs) ||
    !coversNames(server, serverNames)
  ) {
    await issue(dir, files.serverCertFile, files.serverKeyFile, 'localhost', 'serverAuth', serverNames);
    renewed = true;
  }
  for (const user of options.clientUsers ?? []) {
    const cert = readCertificate(files.clientCertFile(user));
    if (
      renewed ||
      !existsSync(files.clientKeyFile(user)) ||
      !issuedBy(cert, caCert, renewWithinMs) ||
      !cert?.subject.includes(`CN=${user}`)
    ) {
      await issue(dir, files.clientCertFile(user), files.clientKeyFile(user), user, 'clientAuth', []);
    }
  }
  return { files, renewed };
}

/** Where the files of a stack's TLS folder are (whether or not they exist yet). */
export function localTlsFiles(dir: string): LocalTlsFiles {
  const folder = resolve(dir);
  return {
    dir: folder,
    caFile: join(folder, 'ca.pem'),
    serverCertFile: join(folder, 'server.pem'),
    serverKeyFile: join(folder, 'server.key'),
    clientCertFile: (user) => join(folder, 'clients', `${safeFileName(user)}.pem`),
    clientKeyFile: (user) => join(folder, 'clients', `${safeFileName(user)}.key`),
  };
}

async function newCa(dir: string): Promise<void> {
  const key = join(dir, 'ca.key');
  rmSync(key, { force: true });
  await openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    join(dir, 'ca.pem'),
    '-days',
    String(CA_DAYS),
    '-set_serial',
    serial(),
    '-subj',
    `/O=cstr-hub/CN=cstr-hub local CA ${randomBytes(4).toString('hex')}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE,pathlen:0',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  chmodSync(key, 0o600);
  chmodSync(join(dir, 'ca.pem'), 0o644);
}

async function issue(
  dir: string,
  certFile: string,
  keyFile: string,
  commonName: string,
  usage: 'serverAuth' | 'clientAuth',
  names: readonly string[],
): Promise<void> {
  rmSync(keyFile, { force: true });
  const san = names.map((name) => (/^[\d.]+$|:/.test(name) ? `IP:${name}` : `DNS:${name}`)).join(',');
  await openssl(dir, [
    'req',
    '-x509',
    '-CA',
    join(dir, 'ca.pem'),
    '-CAkey',
    join(dir, 'ca.key'),
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    String(LEAF_DAYS),
    '-set_serial',
    serial(),
    '-subj',
    `/O=cstr-hub/CN=${commonName}`,
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'keyUsage=critical,digitalSignature',
    '-addext',
    `extendedKeyUsage=${usage}`,
    ...(san ? ['-addext', `subjectAltName=${san}`] : []),
  ]);
  chmodSync(keyFile, 0o600);
  chmodSync(certFile, 0o644);
}

/** `openssl` from PATH; as root on a machine without it, installed with apt-get (as RabbitMQ and PostgreSQL are). */
async function ensureOpenssl(dir: string): Promise<void> {
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .some((folder) => folder && existsSync(join(folder, 'openssl')));
  if (onPath) return;
  if (!isRoot()) {
    throw new Error(
      'openssl is not installed (the local stack makes its certificates with it): run `apt-get install openssl` as root',
    );
  }
  await aptInstall(['openssl'], join(dir, 'apt-get.log'));
}

async function openssl(cwd: string, args: readonly string[]): Promise<void> {
  // No config file of the machine's: only what the arguments say.
  await runChecked('openssl', args, { cwd, env: { ...process.env, OPENSSL_CONF: '/dev/null' }, timeoutMs: 30_000 });
}

function readCertificate(file: string): X509Certificate | undefined {
  try {
    return new X509Certificate(readFileSync(file));
  } catch {
    return undefined;
  }
}

function expiresWithin(cert: X509Certificate, ms: number): boolean {
  return new Date(cert.validTo).getTime() - Date.now() < ms;
}

function issuedBy(cert: X509Certificate | undefined, ca: X509Certificate, renewWithinMs: number): boolean {
  return cert !== undefined && cert.verify(ca.publicKey) && !expiresWithin(cert, renewWithinMs);
}

function coversNames(cert: X509Certificate, names: readonly string[]): boolean {
  return names.every((name) => (/^[\d.]+$|:/.test(name) ? cert.checkIP(name) : cert.checkHost(name)) !== undefined);
}

function serial(): string {
  return `0x${randomBytes(12).toString('hex').replace(/^./, '1')}`;
}

function safeFileName(user: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(user)) throw new Error(`Cannot issue a client certificate for user "${user}"`);
  return user;
}
