/**
 * `npm run -s hub:erase-person -- --person <person> --reason "…"`: erases a person (UK GDPR
 * Art. 17) — the person index entry with the persons merged into it, the hub's state about them,
 * and the identifiers beside the audit chain; the chain and its decisions stay, and the erasure is
 * itself an audit record with the reason. `<person>` is the hub's person id, `system|value`
 * (`nhs-number|9990000018`) or an identifier value one person holds.
 *
 * `npm run -s hub:erase-person -- --rectify <system|value> --to <value> --reason "…"`: rectifies
 * one identifier beside the audit records that name it (Art. 16), audited the same way.
 *
 * Reads the hub's environment (`DATABASE_URL`, `DATABASE_SCHEMA`, the audit keys; load it first,
 * e.g. `set -a; . ./.env; set +a`), runs no migration (start the hub once after an upgrade), and
 * prints counts, person ids and the audit record's seq — never an identifier. `--actor` names the
 * operator in the audit (default: `cli:<user>`).
 */
import 'reflect-metadata';
import { safeErrorText } from '@cstr/contracts';
import { runEraseCommand } from './erase-person';

runEraseCommand(process.argv.slice(2), process.env, (stream, text) =>
  (stream === 'out' ? process.stdout : process.stderr).write(text),
).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`${safeErrorText(error)}\n`);
    process.exitCode = 1;
  },
);
