import { readFileSync } from 'node:fs';
import { projectPath } from '@cstr/platform';

/**
 * The words for withheld elements have one source, libs/audit (the subject access export), and a
 * verbatim copy in the console's folder, which the browser loads as it is (no bundler; it loads
 * nothing from outside that folder). A change to one without the other fails here.
 */
describe('the console’s copy of the disclosure words', () => {
  const source = readFileSync(projectPath('libs/audit/src/disclosure-words.ts'), 'utf8');
  const copy = readFileSync(projectPath('apps/hub/console/disclosure-words.ts'), 'utf8');

  it('is identical to libs/audit/src/disclosure-words.ts (copy the lib file over after editing it)', () => {
    expect(copy).toBe(source);
  });

  it('imports nothing, so the same text compiles for the server (CommonJS) and the browser (ES module)', () => {
    expect(source).not.toMatch(/^\s*(import|export\s+\*|export\s+\{[^}]*\}\s+from)\b/m);
    expect(source).not.toMatch(/\b(require\(|(process|Buffer|document|window|globalThis)\.)/);
  });
});
