import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs';
import { basename, delimiter, dirname, join, resolve, sep } from 'node:path';
import { Client } from 'pg';
import { localTlsFiles, type LocalTlsFiles } from './local-tls';
import {
  aptInstall,
  canConnect,
  isProcessAlive,
  isRoot,
  processArgv,
  processCwd,
  runChecked,
  runCommand,
  waitUntil,
  type RunCommandOptions,
} from './processes';

/** Options of {@link LocalPostgres}. */
export interface LocalPostgresOptions {
  /** Folder holding the cluster (`pgdata/`), its unix socket (`socket-dir/`) and its log; see {@link LocalPostgres.clusterDir}. */
  readonly dataDir: string;
  /** TCP port on 127.0.0.1. */
  readonly port: number;
  /** Database created on start when absent. */
  readonly database: string;
  /** How long {@link LocalPostgres.start} waits for the server (default 30 s). */
  readonly startTimeoutMs?: number;
  /**
   * The CA and server certificate (see `ensureLocalTls`; they must exist at {@link LocalPostgres.start}).
   * Default: `<dataDir>/../tls`, the stack's. The server runs with `ssl=on`.
   */
  readonly tls?: LocalTlsFiles;
  /** Accept TCP connections without TLS too (a benchmark's TLS-off run). Default false: `hostssl` only. */
  readonly plain?: boolean;
}

/** The OS user the server runs as when started by root. */
interface ServerUser {
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

/** The folder, in the `postgres` user's home, of the clusters root starts (see {@link LocalPostgres.clusterDir}). */
const ROOT_CLUSTERS_FOLDER = 'cstr-hub';

/**
 * A private PostgreSQL cluster for development and tests, run with the machine's PostgreSQL
 * binaries from a folder of its own, listening on 127.0.0.1 and on a unix socket inside that
 * folder only. The `postgres` superuser is trusted (no password), which is acceptable only because
 * nothing outside this machine's loopback can reach it; every other role (the apps' runtime roles
 * and schema owners) must give its password (SCRAM), so an app cannot pass for another. TCP connections must use TLS (`ssl=on`, `hostssl` in
 * `pg_hba.conf`; clients verify the server with `sslmode=verify-full` and the stack's CA) unless
 * {@link LocalPostgresOptions.plain}.
 *
 * As root, the server runs as the `postgres` OS user (initdb and postgres refuse root), and its
 * files live where that user can reach them (see {@link clusterDir}).
 * {@link stop} keeps the data; the server outlives the process that started it.
 */
export class LocalPostgres {
  readonly dataDir: string;
  /** Milliseconds the last {@link start} took (initdb included; 0 when reused). */
  lastStartMs = 0;

  /** The CA and server certificate the server uses. */
  readonly tls: LocalTlsFiles;

  private readonly startTimeoutMs: number;
  private binDirCache?: string;

  constructor(private readonly options: LocalPostgresOptions) {
    this.dataDir = resolve(options.dataDir);
    this.startTimeoutMs = options.startTimeoutMs ?? 30_000;
    this.tls = options.tls ?? localTlsFiles(join(dirname(this.dataDir), 'tls'));
  }

  /**
   * Where the cluster's files are. Not root: `dataDir` itself. As root: the server runs as the
   * `postgres` OS user, who cannot enter a project under a folder of mode 700 (root's home), so
   * the files live in that user's home folder, in `cstr-hub/<name>` — `<name>` made of the last
   * parts of `dataDir`'s path and a hash of all of it, so two projects (or two stacks of one)
   * never share a cluster — and `dataDir` is a symbolic link to it.
   */
  get clusterDir(): string {
    const user = serverUser();
    return user ? join(user.home, ROOT_CLUSTERS_FOLDER, clusterName(this.dataDir)) : this.dataDir;
  }

  /** Initialises the cluster on first use, starts it (or reuses a running one) and creates the database. */
  async start(): Promise<void> {
    const startedAt = Date.now();
    const binDir = await this.binDir();
    const user = serverUser();
    if (user) await this.linkClusterDir(binDir, user);
    for (const dir of [this.clusterDir, this.socketDir]) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (user) chownSync(dir, user.uid, user.gid);
    }

    const serverOptions = `-c listen_addresses=127.0.0.1 -p ${this.options.port} -k '${this.socketDir}' ${this.tlsServerOptions()}`;
    // A server started with other options (before TLS, another certificate) starts again with these.
    if (this.isRunning() && !this.runsWith(serverOptions)) await this.stop();
    const reused = this.isRunning();
    if (existsSync(join(this.pgData, 'PG_VERSION'))) this.installTls(user);
    if (!reused) {
      if (!existsSync(join(this.pgData, 'PG_VERSION'))) {
        await this.initdb(binDir);
        this.installTls(user);
      }
      if (await canConnect(this.options.port)) {
        throw new Error(
          `Port ${this.options.port} on 127.0.0.1 is already in use; choose another port for LocalPostgres`,
        );
      }
      const result = await runCommand(
        join(binDir, 'pg_ctl'),
        [
          'start',
          '-D',
          this.pgData,
          '-l',
          this.logFile,
          '-w',
          '-t',
          String(Math.ceil(this.startTimeoutMs / 1000)),
          '-o',
          serverOptions,
        ],
        this.asServerUser(),
      );
      if (result.code !== 0) {
        await this.stop().catch(() => undefined);
        throw new Error(`PostgreSQL did not start (${(result.stderr || result.stdout).trim()}); see ${this.logFile}`);
      }
    } else if (this.runningPort() !== this.options.port) {
      throw new Error(
        `PostgreSQL in ${this.pgData} already runs on port ${this.runningPort()}, not ${this.options.port}; stop it first`,
      );
    } else {
      // pg_hba.conf is written on every start (plain on or off): the running server reads it again.
      await runChecked(join(binDir, 'pg_ctl'), ['reload', '-D', this.pgData], this.asServerUser());
    }
    try {
      await waitUntil(`PostgreSQL on 127.0.0.1:${this.options.port}`, () => this.accepts(), this.startTimeoutMs);
      await this.createDatabase();
    } catch (error) {
      // Leave nothing half-started behind.
      if (!reused) await this.stop().catch(() => undefined);
      throw error;
    }
    this.lastStartMs = reused ? 0 : Date.now() - startedAt;
  }

  /** Stops the server (fast shutdown: open sessions are rolled back). Data stays. */
  async stop(): Promise<void> {
    if (!this.isRunning()) return;
    await this.stopServer(this.pgData, await this.binDir());
  }

  /** Stops the server and deletes the cluster (as root, the link `dataDir` and the folder it points to). */
  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.clusterDir, { recursive: true, force: true });
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Whether this cluster's postmaster is alive. */
  isRunning(): boolean {
    try {
      return this.postmasterPid(this.pgData) !== undefined;
    } catch {
      return false; // root without a `postgres` user: PostgreSQL was never installed, so never started
    }
  }

  /**
   * Connection URL of the database, as the `postgres` superuser over TCP with TLS: the server's
   * certificate checked against the stack's CA and its name (`sslmode=verify-full`, `sslrootcert`).
   */
  url(): string {
    const query = new URLSearchParams({ sslmode: 'verify-full', sslrootcert: this.tls.caFile });
    return `postgres://postgres@127.0.0.1:${this.options.port}/${encodeURIComponent(this.options.database)}?${query}`;
  }

  /** The same URL in clear (accepted only with `plain`). */
  plainUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.options.port}/${encodeURIComponent(this.options.database)}?sslmode=disable`;
  }

  private get pgData(): string {
    return join(this.clusterDir, 'pgdata');
  }

  private get socketDir(): string {
    return join(this.clusterDir, 'socket-dir');
  }

  private get logFile(): string {
    return join(this.clusterDir, 'postgres.log');
  }

  /** The server's copy of its certificate and key, in the cluster folder (as root, the server user's own). */
  private get serverTlsDir(): string {
    return join(this.clusterDir, 'tls');
  }

  private tlsServerOptions(): string {
    const cert = existsSync(this.tls.serverCertFile) ? readFileSync(this.tls.serverCertFile) : '';
    const fingerprint = createHash('sha256').update(cert).digest('hex').slice(0, 16);
    return [
      '-c ssl=on',
      `-c ssl_cert_file='${join(this.serverTlsDir, 'server.crt')}'`,
      `-c ssl_key_file='${join(this.serverTlsDir, 'server.key')}'`,
      '-c ssl_min_protocol_version=TLSv1.2',
      // Not a setting: names the certificate, so that a renewed one restarts the server.
      `-c cluster_name=cstr-${fingerprint}`,
    ].join(' ');
  }

  /** Whether the running server was started with these options (`postmaster.opts`). */
  private runsWith(serverOptions: string): boolean {
    try {
      const opts = readFileSync(join(this.pgData, 'postmaster.opts'), 'utf8');
      const fingerprint = /cluster_name=(cstr-[0-9a-f]+)/.exec(serverOptions)?.[1];
      return fingerprint !== undefined && opts.includes(fingerprint) && opts.includes('ssl=on');
    } catch {
      return false;
    }
  }

  /**
   * Copies the server certificate and key where the server user may read them (the key mode
   * 0600, the server user's: PostgreSQL refuses it otherwise) and writes `pg_hba.conf`.
   */
  private installTls(user: ServerUser | undefined): void {
    mkdirSync(this.serverTlsDir, { recursive: true, mode: 0o700 });
    const cert = join(this.serverTlsDir, 'server.crt');
    const key = join(this.serverTlsDir, 'server.key');
    copyFileSync(this.tls.serverCertFile, cert);
    copyFileSync(this.tls.serverKeyFile, key);
    chmodSync(key, 0o600);
    this.writeHba();
    if (user) for (const file of [this.serverTlsDir, cert, key]) chownSync(file, user.uid, user.gid);
  }

  /** Only the cluster's own socket and IPv4 loopback, over TLS (and in clear with `plain`); nothing else may connect. */
  private writeHba(): void {
    writeFileSync(
      join(this.pgData, 'pg_hba.conf'),
      [
        '# Written by LocalPostgres on every start: local development and test cluster, loopback only, TLS only.',
        'local all all trust',
        // The administrator without a password (loopback only); the apps' roles with theirs.
        'hostssl all postgres 127.0.0.1/32 trust',
        'hostssl all all 127.0.0.1/32 scram-sha-256',
        ...(this.options.plain
          ? [
              '# plain: the stack was started with plain ports on',
              'host all postgres 127.0.0.1/32 trust',
              'host all all 127.0.0.1/32 scram-sha-256',
            ]
          : []),
        '',
      ].join('\n'),
    );
    const user = serverUser();
    if (user) chownSync(join(this.pgData, 'pg_hba.conf'), user.uid, user.gid);
  }

  /**
   * As root: makes `dataDir` the link to {@link clusterDir}. A cluster folder that `dataDir` does
   * not link to belongs to an earlier `dataDir` of the same path (deleted, or replaced by a copy
   * of another project's): it is stopped and deleted, so that a fresh `dataDir` starts empty. A
   * cluster kept in `dataDir` itself (before clusters moved out of the project) is moved there.
   */
  private async linkClusterDir(binDir: string, user: ServerUser): Promise<void> {
    const target = this.clusterDir;
    const current = lstatIfExists(this.dataDir);
    if (current?.isSymbolicLink() && readlinkSync(this.dataDir) === target && existsSync(target)) return;

    if (existsSync(target)) {
      await this.stopServer(join(target, 'pgdata'), binDir);
      rmSync(target, { recursive: true, force: true });
    }
    const clustersRoot = dirname(target);
    if (!existsSync(clustersRoot)) {
      mkdirSync(clustersRoot, { recursive: true, mode: 0o700 });
      chownSync(clustersRoot, user.uid, user.gid);
    }
    if (current?.isDirectory() && existsSync(join(this.dataDir, 'pgdata', 'PG_VERSION'))) {
      await this.stopServer(join(this.dataDir, 'pgdata'), binDir);
      moveFolder(this.dataDir, target, user);
    } else {
      rmSync(this.dataDir, { recursive: true, force: true });
    }
    mkdirSync(dirname(this.dataDir), { recursive: true });
    symlinkSync(target, this.dataDir);
  }

  /** Stops the postmaster of `pgData` if it runs. */
  private async stopServer(pgData: string, binDir: string): Promise<void> {
    if (this.postmasterPid(pgData) === undefined) return;
    await runChecked(join(binDir, 'pg_ctl'), ['stop', '-D', pgData, '-m', 'fast', '-w'], {
      ...this.asServerUser(),
      cwd: '/',
    });
  }

  private async initdb(binDir: string): Promise<void> {
    await runChecked(
      join(binDir, 'initdb'),
      [
        '-D',
        this.pgData,
        '-U',
        'postgres',
        '--auth=trust',
        '--encoding=UTF8',
        '--no-locale',
        '--no-instructions',
        '--no-sync',
      ],
      this.asServerUser(),
    );
  }

  private async createDatabase(): Promise<void> {
    const client = new Client({
      host: '127.0.0.1',
      port: this.options.port,
      user: 'postgres',
      database: 'postgres',
      ssl: this.clientTls(),
    });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [this.options.database]);
      if (!rowCount) await client.query(`CREATE DATABASE "${this.options.database.replace(/"/g, '""')}"`);
    } catch (error) {
      // A concurrent start may have created it between the check and the CREATE.
      if ((error as { code?: string }).code !== '42P04') throw error;
    } finally {
      await client.end();
    }
  }

  private async accepts(): Promise<boolean> {
    const client = new Client({
      host: '127.0.0.1',
      port: this.options.port,
      user: 'postgres',
      database: 'postgres',
      connectionTimeoutMillis: 1_000,
      ssl: this.clientTls(),
    });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** TLS of this class's own connections: the stack's CA, the server's name checked. */
  private clientTls(): { ca: string; rejectUnauthorized: true } {
    return { ca: readFileSync(this.tls.caFile, 'utf8'), rejectUnauthorized: true };
  }

  /**
   * The postmaster's pid from `postmaster.pid`, if that process is alive and serves that data
   * folder: a `postgres` whose working folder (the server works in its data folder) is `pgData`.
   */
  private postmasterPid(pgData: string): number | undefined {
    const lines = postmasterPidLines(pgData);
    const pid = Number.parseInt(lines?.[0] ?? '', 10);
    if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return undefined;
    if (!processArgv(pid)?.[0]?.endsWith('postgres')) return undefined;
    return processCwd(pid) === realpathSync(pgData) ? pid : undefined;
  }

  private runningPort(): number | undefined {
    const port = Number.parseInt(postmasterPidLines(this.pgData)?.[3] ?? '', 10);
    return Number.isInteger(port) ? port : undefined;
  }

  private asServerUser(): RunCommandOptions {
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PG')));
    const user = serverUser();
    return {
      env: { ...env, LC_ALL: 'C' },
      cwd: this.clusterDir,
      uid: user?.uid,
      gid: user?.gid,
      timeoutMs: this.startTimeoutMs + 10_000,
    };
  }

  /** The folder of `initdb`/`pg_ctl`/`postgres`: from PATH, else the newest `/usr/lib/postgresql/<v>/bin`. */
  private async binDir(): Promise<string> {
    if (this.binDirCache) return this.binDirCache;
    const found = findBinDir();
    if (found) return (this.binDirCache = found);
    if (!isRoot()) {
      throw new Error(
        'PostgreSQL server binaries (initdb, pg_ctl) not found: run `apt-get install postgresql` as root, or set DATABASE_URL',
      );
    }
    const logDir = dirname(this.dataDir);
    mkdirSync(logDir, { recursive: true });
    await aptInstall(['postgresql'], join(logDir, 'apt-get.log'));
    const installed = findBinDir();
    if (!installed) throw new Error('apt-get install postgresql did not provide initdb and pg_ctl');
    return (this.binDirCache = installed);
  }
}

/** The `postgres` OS user when running as root (initdb and the server refuse root), else undefined. */
function serverUser(): ServerUser | undefined {
  if (!isRoot()) return undefined;
  const entry = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .find((fields) => fields[0] === 'postgres');
  if (!entry) throw new Error('Running as root needs the `postgres` OS user (apt-get install postgresql creates it)');
  return { uid: Number(entry[2]), gid: Number(entry[3]), home: entry[5] };
}

/**
 * `<last parts of the path>-<hash of the whole path>`: readable, unique per path, short enough for
 * the unix socket path inside it. The parent folder's real path, so two spellings of one folder agree.
 */
function clusterName(dataDir: string): string {
  const parent = dirname(dataDir);
  const path = existsSync(parent) ? join(realpathSync(parent), basename(dataDir)) : dataDir;
  const readable = path
    .split(sep)
    .slice(-4)
    .map((part) => part.replace(/[^A-Za-z0-9_-]+/g, ''))
    .filter(Boolean)
    .join('-')
    .slice(-40)
    .replace(/^-+/, '');
  return `${readable}-${createHash('sha256').update(path).digest('hex').slice(0, 12)}`;
}

function postmasterPidLines(pgData: string): string[] | undefined {
  try {
    return readFileSync(join(pgData, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
}

function lstatIfExists(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** Moves a folder, across file systems too (copied, given to `user`, then deleted). */
function moveFolder(from: string, to: string, user: ServerUser): void {
  try {
    renameSync(from, to);
    return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
  }
  cpSync(from, to, { recursive: true, preserveTimestamps: true });
  const chownTree = (path: string): void => {
    chownSync(path, user.uid, user.gid);
    if (lstatSync(path).isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry));
  };
  chownTree(to);
  rmSync(from, { recursive: true, force: true });
}

function findBinDir(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const initdb = join(dir, 'initdb');
    if (existsSync(initdb) && existsSync(join(dir, 'pg_ctl'))) {
      const real = dirname(realpathSync(initdb));
      if (existsSync(join(real, 'pg_ctl')) && existsSync(join(real, 'postgres'))) return real;
    }
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((version) => existsSync(join(root, version, 'bin', 'initdb')))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions.length ? join(root, versions[0], 'bin') : undefined;
}
