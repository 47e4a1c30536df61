import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import { PARTNER_ID_PATTERN } from '@cstr/contracts';
import { isRole, USER_ROLES, type Role, type StoredPrincipal } from './roles';
import { isSecretHash } from './secret-hash';

/** `config/principals.yaml` is wrong: the hub does not start. Names the file, line and reason of each problem. */
export class PrincipalsConfigError extends Error {
  readonly code = 'invalid-principals';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid principals file:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'PrincipalsConfigError';
  }
}

/** A principal id: lower-case words joined by hyphens or dots. */
export const PRINCIPAL_ID = /^[a-z0-9]+(?:[-.][a-z0-9]+)*$/;
const KNOWN_KEYS = new Set(['id', 'kind', 'partner', 'roles', 'secretHash', 'description', 'demo']);

/** A principal as the file configures it: `demo: true` marks the shipped demo principals, which production refuses. */
export type ConfiguredPrincipal = StoredPrincipal & { readonly demo?: true };

/**
 * Parses the principals file: partners' and users' ids, roles, partner ids and secret hashes
 * (never secrets), and the `demo: true` marker of the shipped demo principals. `knownPartner`
 * says whether a partner id is configured in the partners file. Throws
 * {@link PrincipalsConfigError} listing every problem.
 */
export function parsePrincipals(
  text: string,
  file: string,
  knownPartner: (id: string) => boolean,
): ConfiguredPrincipal[] {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const problems: string[] = [];
  const at = (node: Node | null | undefined): string =>
    `${file}:${node?.range ? lines.linePos(node.range[0]).line : 1}`;
  for (const error of document.errors)
    problems.push(`${file}:${error.linePos?.[0].line ?? 1}: ${error.message.split('\n')[0]}`);
  if (problems.length > 0) throw new PrincipalsConfigError(problems);

  const list = isMap(document.contents) ? document.contents.get('principals', true) : undefined;
  if (!isSeq(list))
    throw new PrincipalsConfigError([`${at(document.contents)}: the file must have a top-level \`principals:\` list`]);
  const principals: ConfiguredPrincipal[] = [];
  const seen = new Set<string>();
  for (const item of list.items) {
    const node = item as Node;
    const entry: unknown = (node as { toJSON(): unknown }).toJSON();
    const where = at(node);
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${where}: a principal must be a mapping with id, kind and secretHash`);
      continue;
    }
    const { id, kind, partner, roles, secretHash, demo } = entry as Record<string, unknown>;
    const before = problems.length;
    for (const key of Object.keys(entry)) if (!KNOWN_KEYS.has(key)) problems.push(`${where}: unknown key \`${key}\``);
    if (typeof id !== 'string' || !PRINCIPAL_ID.test(id))
      problems.push(`${where}: id must be lower-case words joined by hyphens or dots`);
    else if (seen.has(id)) problems.push(`${where}: id ${id} is defined twice`);
    if (!isSecretHash(secretHash))
      problems.push(`${where}: secretHash must be a hash made by \`npm run hub:principal -- hash\` (never a secret)`);
    if (demo !== undefined && typeof demo !== 'boolean') problems.push(`${where}: demo must be true or false`);
    if (kind === 'partner') {
      if (typeof partner !== 'string' || !PARTNER_ID_PATTERN.test(partner) || !knownPartner(partner))
        problems.push(`${where}: partner must be a partner id of the partners file`);
      if (roles !== undefined)
        problems.push(`${where}: a partner principal has the role partner only; leave roles out`);
    } else if (kind === 'user') {
      if (partner !== undefined) problems.push(`${where}: a user is not bound to a partner`);
      if (
        !Array.isArray(roles) ||
        roles.length === 0 ||
        !roles.every((role) => isRole(role) && USER_ROLES.includes(role))
      ) {
        problems.push(`${where}: roles must list one or more of ${USER_ROLES.join(', ')}`);
      }
    } else {
      problems.push(`${where}: kind must be partner or user`);
    }
    if (problems.length > before) continue;
    seen.add(id as string);
    const marker = demo === true ? { demo: true as const } : {};
    principals.push(
      kind === 'partner'
        ? {
            kind: 'partner',
            id: id as string,
            roles: ['partner'],
            partnerId: partner as string,
            secretHash: secretHash as string,
            ...marker,
          }
        : {
            kind: 'user',
            id: id as string,
            roles: [...new Set(roles as Role[])],
            secretHash: secretHash as string,
            ...marker,
          },
    );
  }
  if (problems.length > 0) throw new PrincipalsConfigError(problems);
  return principals;
}

/** Reads and parses a principals file (see {@link parsePrincipals}). */
export function loadPrincipalsFile(file: string, knownPartner: (id: string) => boolean): ConfiguredPrincipal[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PrincipalsConfigError([`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  return parsePrincipals(text, file, knownPartner);
}
