/**
 * `npm run -s hub:rotate-key -- audit|partition`: prints the hub's configuration lines for a new
 * key, with a new key id, from the keys in the environment (load the hub's environment first,
 * e.g. `set -a; . ./.env; set +a`). Notes go to stderr, the lines to stdout; nothing is written
 * anywhere. See tools/key-rotation.ts.
 */
import 'reflect-metadata';
import { rotateKey } from './key-rotation';

function main(): number {
  const [kind] = process.argv.slice(2);
  if (kind !== 'audit' && kind !== 'partition') {
    process.stderr.write(
      'usage: npm run -s hub:rotate-key -- audit|partition   (reads the current keys from the environment)\n',
    );
    return 2;
  }
  const rotation = rotateKey(kind, process.env);
  for (const note of rotation.notes) process.stderr.write(`${note}\n`);
  process.stdout.write(`${rotation.lines.join('\n')}\n`);
  return 0;
}

try {
  process.exitCode = main();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
