/**
 * The command behind `npm run -s hub:erase-person` (tools/hub-erase-person.ts): reads its
 * options, connects to the hub's database with the hub's environment and erases or rectifies.
 */
import { userInfo } from 'node:os';
import { DataSource } from 'typeorm';
import { AuditLog } from '@cstr/audit';
import { PersonIndex } from '@cstr/identity';
import { databaseUrlWithCa, loadConfig } from '@cstr/platform';
import { auditKeyRing } from '../apps/hub/src/core/audit-keys.validator';
import { HubConfig } from '../apps/hub/src/hub.config';
import { PersonErasureError, PersonErasureService } from '../apps/hub/src/retention/person-erasure.service';

const USAGE = `usage: npm run -s hub:erase-person -- --person <person id | system|value | value> --reason "<why>" [--actor <who>]
       npm run -s hub:erase-person -- --rectify <system|value> --to <value> --reason "<why>" [--actor <who>]
(reads DATABASE_URL, DATABASE_SCHEMA and the audit keys from the hub's environment; the reason holds no personal data)
`;

/** The migrations the tool relies on: without them the hub has not yet run this version. */
const NEEDED_MIGRATIONS = ['AuditBesideIdentifiers1767830400000', 'PersonIndexErasure1767920000000'];

/** What the command line asks for. */
type Command =
  | { readonly kind: 'erase'; readonly person: string; readonly reason: string; readonly actor?: string }
  | {
      readonly kind: 'rectify';
      readonly from: string;
      readonly to: string;
      readonly reason: string;
      readonly actor?: string;
    };

/** Reads `--name value` pairs; undefined (usage) for anything else. */
export function parseCommand(args: readonly string[]): Command | undefined {
  const options = new Map<string, string>();
  for (let index = 0; index < args.length; index += 2) {
    const [name, value] = [args[index], args[index + 1]];
    if (!/^--(person|reason|actor|rectify|to)$/.test(name ?? '') || value === undefined || options.has(name))
      return undefined;
    options.set(name, value);
  }
  const reason = options.get('--reason');
  const actor = options.get('--actor');
  const person = options.get('--person');
  const from = options.get('--rectify');
  const to = options.get('--to');
  if (reason === undefined) return undefined;
  if (person !== undefined && from === undefined && to === undefined)
    return { kind: 'erase', person, reason, ...(actor ? { actor } : {}) };
  if (from !== undefined && to !== undefined && person === undefined)
    return { kind: 'rectify', from, to, reason, ...(actor ? { actor } : {}) };
  return undefined;
}

/** Runs the command against the hub's database; returns the exit code. Output goes to `write`. */
export async function runEraseCommand(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  write: (stream: 'out' | 'err', text: string) => void,
): Promise<number> {
  const command = parseCommand(args);
  if (!command) {
    write('err', USAGE);
    return 2;
  }
  const config = loadConfig(HubConfig, env);
  const schema = config.DATABASE_SCHEMA ?? 'hub';
  const dataSource = new DataSource({
    type: 'postgres',
    url: databaseUrlWithCa(config.DATABASE_URL, config.TLS_CA_FILE),
    schema,
    applicationName: 'hub-erase-person',
    poolSize: 2,
    extra: { options: `-c search_path=${schema}` },
  });
  await dataSource.initialize();
  try {
    const missing = await missingMigrations(dataSource);
    if (missing.length > 0) {
      write(
        'err',
        `The hub's schema ${schema} lacks ${missing.join(', ')}: start the hub of this version once first.\n`,
      );
      return 1;
    }
    const service = new PersonErasureService(
      dataSource,
      new AuditLog(dataSource, { key: auditKeyRing(config) }),
      new PersonIndex(dataSource),
    );
    const actor = command.actor ?? `cli:${userInfo().username}`;
    const summary =
      command.kind === 'erase'
        ? await service.erase(command.person, command.reason, actor).then((outcome) => ({
            erased: outcome.personIds,
            identifiers: outcome.identifiers,
            pathwayRows: outcome.pathwayRows,
            auditRecords: outcome.auditRecords,
            auditSeq: outcome.record.seq,
          }))
        : await service.rectify(command.from, command.to, command.reason, actor).then((outcome) => ({
            rectified: outcome.auditRecords,
            auditSeq: outcome.record.seq,
          }));
    write('out', `${JSON.stringify(summary)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof PersonErasureError)) throw error;
    write('err', `${error.code}: ${error.message}\n`);
    return 1;
  } finally {
    await dataSource.destroy();
  }
}

async function missingMigrations(dataSource: DataSource): Promise<string[]> {
  const rows = (await dataSource.query('SELECT name FROM typeorm_migrations WHERE name = ANY($1)', [
    NEEDED_MIGRATIONS,
  ])) as { name: string }[];
  return NEEDED_MIGRATIONS.filter((name) => !rows.some((row) => row.name === name));
}
