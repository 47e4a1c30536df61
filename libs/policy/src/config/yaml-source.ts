import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { PolicyConfigProblem } from './policy-config.error';

/** A key path inside a YAML document: map keys and sequence indexes. */
export type YamlPath = readonly (string | number)[];

/** `flows[2].share.Observation`: a path written the way an operator reads it. */
export function formatPath(path: YamlPath): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${key}` : key),
    '',
  );
}

/**
 * A parsed YAML file that remembers where each node sits, so a problem found in the plain
 * value can be reported at the line of the offending key.
 */
export class YamlSource {
  private readonly lineCounter = new LineCounter();
  private readonly document: Document;
  /** Problems found so far: syntax errors first, then whatever the caller reports. */
  readonly problems: PolicyConfigProblem[] = [];

  constructor(
    readonly file: string,
    text: string,
  ) {
    this.document = parseDocument(text, { lineCounter: this.lineCounter, uniqueKeys: true });
    const lines = text.split('\n');
    for (const error of this.document.errors) {
      const line = error.linePos?.[0].line ?? 1;
      // `[value[x]]` reads as a nested list: the usual slip when listing choice elements.
      const hint = /[[ ,][a-z][A-Za-z]*\[x\]/.test(lines[line - 1] ?? '')
        ? ' (quote choice elements inside [ ]: "value[x]")'
        : '';
      this.problems.push({ file, line, path: '', reason: `YAML syntax: ${error.message.split('\n')[0]}${hint}` });
    }
  }

  /** True when the text parsed as YAML (a semantic check may then follow). */
  get parsed(): boolean {
    return this.document.errors.length === 0;
  }

  /** The document as plain JavaScript values (dates stay strings). */
  value(): unknown {
    return this.document.toJS({ maxAliasCount: 50 });
  }

  /**
   * The 1-based line of the key at `path` (or of the item, for a sequence index). When the path
   * does not exist, the line of its deepest existing ancestor: a missing key is reported where
   * its parent is.
   */
  lineOf(path: YamlPath): number {
    let node: unknown = this.document.contents;
    let offset = 0;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(key),
        );
        if (!pair) break;
        offset = (pair.key as Node).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number' && node.items[key] !== undefined) {
        node = node.items[key];
        offset = (node as Node).range?.[0] ?? offset;
      } else break;
    }
    return this.lineCounter.linePos(offset).line;
  }

  /** Records a problem at `path`. */
  report(path: YamlPath, reason: string): void {
    this.problems.push({ file: this.file, line: this.lineOf(path), path: formatPath(path), reason });
  }
}
