/**
 * The Bundle file index finds every entry's resource and its top-level fields as JSON.parse reads
 * them, whatever the chunk size (strings, escapes and the resource itself split across chunks).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleFileIndex } from './bundle-file-index';
import { r4DefinitionsFile } from './base-definitions';

const FIELDS = ['resourceType', 'id', 'url', 'kind', 'type', 'abstract'];

interface Bundle {
  entry: { fullUrl?: string; resource: Record<string, unknown> }[];
}

/** What the index should hold of each entry: the resource's wanted fields that are strings or booleans. */
function expectedFields(resource: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    FIELDS.filter((field) => typeof resource[field] === 'string' || typeof resource[field] === 'boolean').map(
      (field) => [field, resource[field]],
    ),
  );
}

function expectSameAsParse(path: string, bundle: Bundle, chunkBytes: number): void {
  const index = BundleFileIndex.scan(path, FIELDS, chunkBytes);
  expect(index.entries.map((entry) => entry.fields)).toEqual(
    bundle.entry.map(({ resource }) => expectedFields(resource)),
  );
  expect(index.entries.map((entry) => index.read(entry))).toEqual(bundle.entry.map(({ resource }) => resource));
}

describe('BundleFileIndex', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'bundle-file-index-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const tricky: Bundle & Record<string, unknown> = {
    resourceType: 'Bundle',
    // Keys and strings that look like the structure the index looks for.
    meta: { tag: [{ code: '"entry": [{"resource": {' }] },
    entry: [
      {
        resource: {
          resourceType: 'StructureDefinition',
          id: 'quoted \\"id\\" \\\\',
          text: { div: '<div>} ] { [ "resource" : { \\u00e9 é ✓</div>' },
          url: 'http://example.org/a\\/b',
          abstract: false,
          kind: 'resource',
          nested: { resourceType: 'NotMe', url: 'nested', entry: [{ resource: { id: 'deeper' } }] },
          type: 'Patient',
        },
      },
      { fullUrl: 'urn:x', resource: { resourceType: 'ValueSet', abstract: true, count: 3, url: null } },
      { resource: { resourceType: 'CodeSystem', id: '', concept: [] } },
    ],
  };

  it.each([1, 2, 3, 7, 64, 1 << 20])(
    'reads a Bundle with look-alike strings and escapes in chunks of %i bytes',
    (chunk) => {
      const path = join(dir, 'tricky.json');
      writeFileSync(path, JSON.stringify(tricky, null, 2));
      expectSameAsParse(path, tricky, chunk);
      writeFileSync(path, JSON.stringify(tricky));
      expectSameAsParse(path, tricky, chunk);
    },
  );

  it.each([4093, 1 << 16, 1 << 20])('reads the base R4 data types in chunks of %i bytes', (chunk) => {
    const path = r4DefinitionsFile('profiles-types.json');
    expectSameAsParse(path, JSON.parse(readFileSync(path, 'utf8')) as Bundle, chunk);
  });

  it('refuses a file that ends inside a value', () => {
    const path = join(dir, 'cut.json');
    writeFileSync(path, JSON.stringify(tricky).slice(0, 200));
    expect(() => BundleFileIndex.scan(path, FIELDS)).toThrow('ends inside a JSON value');
  });
});
