import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { Client } from 'pg';
import {
  aptInstall,
  canConnect,
  isProcessAlive,
  isRoot,
  processArgv,
  runChecked,
  runCommand,
  waitUntil,
  type RunCommandOptions,
} from './processes';

/** Options of {@link LocalPostgres}. */
export interface LocalPostgresOptions {
  /** Folder holding the cluster (`pgdata/`), its unix socket (`socket-dir/`) and its log. */
  readonly dataDir: string;
  /** TCP port on 127.0.0.1. */
  readonly port: number;
  /** Database created on start when absent. */
  readonly database: string;
  /** How long {@link LocalPostgres.start} waits for the server (default 30 s). */
  readonly startTimeoutMs?: number;
}

/**
 * A private PostgreSQL cluster for development and tests, run with the machine's PostgreSQL
 * binaries from a project-local folder, listening on 127.0.0.1 and on a unix socket inside that
 * folder only. Authentication is `trust`, which is acceptable only because nothing outside this
 * machine's loopback can reach it.
 *
 * As root, the cluster belongs to the `postgres` OS user (initdb refuses to run as root).
 * {@link stop} keeps the data; the server outlives the process that started it.
 */
export class LocalPostgres {
  readonly dataDir: string;
  /** Milliseconds the last {@link start} took (initdb included; 0 when reused). */
  lastStartMs = 0;

  private readonly startTimeoutMs: number;
  private binDirCache?: string;

  constructor(private readonly options: LocalPostgresOptions) {
    this.dataDir = resolve(options.dataDir);
    this.startTimeoutMs = options.startTimeoutMs ?? 30_000;
  }

  /** Initialises the cluster on first use, starts it (or reuses a running one) and creates the database. */
  async start(): Promise<void> {
    const startedAt = Date.now();
    const binDir = await this.binDir();
    const owner = this.osOwner();
    for (const dir of [this.dataDir, this.socketDir]) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (owner) chownSync(dir, owner.uid, owner.gid);
    }

    const reused = this.isRunning();
    if (!reused) {
      if (!existsSync(join(this.pgData, 'PG_VERSION'))) await this.initdb(binDir);
      if (await canConnect(this.options.port)) {
        throw new Error(
          `Port ${this.options.port} on 127.0.0.1 is already in use; choose another port for LocalPostgres`,
        );
      }
      const serverOptions = `-c listen_addresses=127.0.0.1 -p ${this.options.port} -k '${this.socketDir}'`;
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
        this.asOwner(),
      );
      if (result.code !== 0) {
        throw new Error(`PostgreSQL did not start (${(result.stderr || result.stdout).trim()}); see ${this.logFile}`);
      }
    } else if (this.runningPort() !== this.options.port) {
      throw new Error(
        `PostgreSQL in ${this.pgData} already runs on port ${this.runningPort()}, not ${this.options.port}; stop it first`,
      );
    }
    await waitUntil(`PostgreSQL on 127.0.0.1:${this.options.port}`, () => this.accepts(), this.startTimeoutMs);
    await this.createDatabase();
    this.lastStartMs = reused ? 0 : Date.now() - startedAt;
  }

  /** Stops the server (fast shutdown: open sessions are rolled back). Data stays. */
  async stop(): Promise<void> {
    if (!this.isRunning()) return;
    await runChecked(
      join(await this.binDir(), 'pg_ctl'),
      ['stop', '-D', this.pgData, '-m', 'fast', '-w'],
      this.asOwner(),
    );
  }

  /** Whether this cluster's postmaster is alive. */
  isRunning(): boolean {
    const pid = this.postmasterPid();
    return pid !== undefined;
  }

  /** Connection URL of the database, as the `postgres` superuser over TCP. */
  url(): string {
    return `postgres://postgres@127.0.0.1:${this.options.port}/${encodeURIComponent(this.options.database)}`;
  }

  private get pgData(): string {
    return join(this.dataDir, 'pgdata');
  }

  private get socketDir(): string {
    return join(this.dataDir, 'socket-dir');
  }

  private get logFile(): string {
    return join(this.dataDir, 'postgres.log');
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
      this.asOwner(),
    );
    // Only the project-local socket and IPv4 loopback; nothing else may connect.
    writeFileSync(
      join(this.pgData, 'pg_hba.conf'),
      [
        '# Written by LocalPostgres: local development and test cluster, loopback only.',
        'local all all trust',
        'host all all 127.0.0.1/32 trust',
        '',
      ].join('\n'),
    );
    const owner = this.osOwner();
    if (owner) chownSync(join(this.pgData, 'pg_hba.conf'), owner.uid, owner.gid);
  }

  private async createDatabase(): Promise<void> {
    const client = new Client({ host: '127.0.0.1', port: this.options.port, user: 'postgres', database: 'postgres' });
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

  /** The postmaster's pid from `postmaster.pid`, if that process is alive and serves our data folder. */
  private postmasterPid(): number | undefined {
    const lines = this.postmasterPidLines();
    const pid = Number.parseInt(lines?.[0] ?? '', 10);
    if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return undefined;
    const argv = processArgv(pid);
    return argv?.[0]?.endsWith('postgres') && argv.includes(this.pgData) ? pid : undefined;
  }

  private runningPort(): number | undefined {
    const port = Number.parseInt(this.postmasterPidLines()?.[3] ?? '', 10);
    return Number.isInteger(port) ? port : undefined;
  }

  private postmasterPidLines(): string[] | undefined {
    try {
      return readFileSync(join(this.pgData, 'postmaster.pid'), 'utf8').split('\n');
    } catch {
      return undefined;
    }
  }

  /** The `postgres` OS user when running as root (initdb and the server refuse root), else undefined. */
  private osOwner(): { uid: number; gid: number } | undefined {
    if (!isRoot()) return undefined;
    const entry = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((line) => line.split(':'))
      .find((fields) => fields[0] === 'postgres');
    if (!entry) throw new Error('Running as root needs the `postgres` OS user (apt-get install postgresql creates it)');
    return { uid: Number(entry[2]), gid: Number(entry[3]) };
  }

  private asOwner(): RunCommandOptions {
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PG')));
    const owner = this.osOwner();
    return {
      env: { ...env, LC_ALL: 'C' },
      cwd: this.dataDir,
      uid: owner?.uid,
      gid: owner?.gid,
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
    mkdirSync(this.dataDir, { recursive: true });
    await aptInstall(['postgresql'], join(this.dataDir, 'apt-get.log'));
    const installed = findBinDir();
    if (!installed) throw new Error('apt-get install postgresql did not provide initdb and pg_ctl');
    return (this.binDirCache = installed);
  }
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
