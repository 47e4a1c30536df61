/**
 * Writes the AsyncAPI 3.0.0 document of the cstr-hub events, generated from libs/contracts
 * (event catalogue and broker names), as YAML.
 *
 *   npm run asyncapi                 # writes docs/asyncapi.yaml (commit it)
 *   npm run asyncapi -- out.yaml     # writes out.yaml, relative to where you ran npm
 *
 * A unit test fails when the committed docs/asyncapi.yaml differs from what this writes now.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { ASYNCAPI_DOCUMENT_PATH, renderAsyncApiYaml } from '@cstr/contracts';
import { projectRoot } from '@cstr/testing';

function main(argument: string | undefined): void {
  // npm runs scripts from the project root; INIT_CWD is where the user typed the command.
  const target = argument
    ? resolve(process.env.INIT_CWD ?? process.cwd(), argument)
    : resolve(projectRoot(), ASYNCAPI_DOCUMENT_PATH);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, renderAsyncApiYaml(), 'utf8');
  const shown = relative(process.cwd(), target);
  console.log(`AsyncAPI document written to ${shown && !shown.startsWith('..') ? shown : target}`);
}

main(process.argv[2]);
