// The layering rules (README "Layers") checked over the import graph of src/: every static and
// dynamic import and export-from, resolved to the folder it lands in. A failure lists every edge
// that breaks a rule, as `from → to (specifier): rule`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const src = join(root, 'src');

type Layer = 'core' | 'util' | 'adapter' | 'ui' | 'app' | 'commands' | 'cli';
const LAYER: Record<string, Layer> = { core: 'core', util: 'util', kube: 'adapter', load: 'adapter', sim: 'adapter', sessions: 'adapter', ui: 'ui', app: 'app', commands: 'commands', cli: 'cli' };
const IO_MODULES = /^(node:)?(fs|fs\/promises|child_process|net|http|https|http2|dgram|tls)$|^(undici|execa)(\/|$)/;

/** Known breaks, each with why it is allowed for now; it only shrinks (empty: none left). */
const ALLOWED: Record<string, RegExp> = {};

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    // Test files and test support (test-utils, testing) are not shipped and may reach any layer.
    else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$|^(test-utils|testing)\.tsx?$/.test(name)) out.push(p);
  }
  return out;
}

/** Every specifier a file imports or re-exports, static or dynamic, and whether it is types only. */
export function importsOf(text: string): Array<{ spec: string; typeOnly: boolean }> {
  // Line comments first: one may hold `/*` (e.g. "themes/*.json"), which is no block comment.
  const code = text.replace(/^\s*\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
  const found: Array<{ spec: string; typeOnly: boolean }> = [];
  const stat = /\b(import|export)\s+(type\s+)?([\w*{}\s,$]*?)\s*(?:from\s*)?['"]([^'"]+)['"]/g;
  for (const m of code.matchAll(stat)) {
    const names = m[3];
    const allTypes = /^\{[^}]*\}$/.test(names.trim()) && names.replace(/[{}\s]/g, '').split(',').filter(Boolean).every((n) => n.startsWith('type'));
    found.push({ spec: m[4], typeOnly: Boolean(m[2]) || (allTypes && names.includes('type ')) });
  }
  for (const m of code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push({ spec: m[1], typeOnly: false });
  return found;
}

/** Why an edge breaks the rules, or null. */
function broken(fromFile: string, spec: string, typeOnly: boolean): string | null {
  const fromTop = relative(src, fromFile).split('/')[0];
  const from = LAYER[fromTop];
  if (!from) return `src/${fromTop} has no layer: add it to README "Layers" and this test`;
  if (!spec.startsWith('.')) {
    if (from === 'core' && spec !== 'zod') return 'core imports only core (+ zod)';
    if (from === 'ui' && IO_MODULES.test(spec)) return 'ui does no I/O';
    return null;
  }
  const target = relative(src, resolve(dirname(fromFile), spec));
  if (target.startsWith('..')) return from === 'core' ? 'core imports only core (+ zod)' : null;
  const toTop = target.split('/')[0];
  const to = LAYER[toTop];
  if (!to) return `src/${toTop} has no layer`;
  switch (from) {
    case 'core':
      return to === 'core' ? null : 'core imports only core (+ zod)';
    case 'util':
      return to === 'core' || to === 'util' ? null : 'util imports only core and util';
    case 'adapter':
      return to === 'core' || to === 'util' || to === 'adapter' ? null : 'adapters (kube, load, sim, sessions, util) never import commands, app, cli or ui';
    case 'ui':
      if (to === 'core' || to === 'ui') return null;
      if (to === 'commands' || to === 'cli') return 'ui never imports commands or cli';
      return typeOnly ? null : 'ui imports adapters and app for types only';
    case 'app':
      return to === 'commands' || to === 'cli' ? 'app never imports commands or cli' : null;
    case 'commands':
      return to === 'cli' && target !== 'cli/args.ts' ? 'commands import from cli only its parser (cli/args.ts)' : null;
    case 'cli':
      return null;
  }
}

test('the import graph keeps the layers (README "Layers")', () => {
  const files = walk(src);
  assert.ok(files.length > 100, `found only ${files.length} source files under ${src}`);
  const bad: string[] = [];
  let edges = 0;
  for (const file of files) {
    const rel = relative(root, file);
    for (const { spec, typeOnly } of importsOf(readFileSync(file, 'utf8'))) {
      edges++;
      const why = broken(file, spec, typeOnly);
      if (why && !ALLOWED[rel]?.test(spec)) bad.push(`${rel} → ${spec}: ${why}`);
    }
  }
  assert.ok(edges > 500, `found only ${edges} imports: the parser missed some`);
  assert.deepEqual(bad, [], `imports that break the layering rules:\n${bad.join('\n')}`);
});

test('the allow-list holds only entries that are still needed', () => {
  for (const [file, allowed] of Object.entries(ALLOWED)) {
    const used = importsOf(readFileSync(join(root, file), 'utf8')).some((i) => allowed.test(i.spec) && broken(join(root, file), i.spec, i.typeOnly));
    assert.ok(used, `${file} no longer breaks a rule: remove it from ALLOWED`);
  }
});

test('the parser sees static, type-only, re-exported and dynamic imports', () => {
  const got = importsOf(`// see themes/*.json\nimport a from './a.ts';\nimport type { B } from '../b.ts';\nimport { type C, type D } from './c.ts';\nimport { e, type F } from './e.ts';\nexport { g } from './g.ts';\nexport type { H } from './h.ts';\n// import x from './commented.ts';\nconst m = await import('../m.ts');\nimport './side.ts';`);
  assert.deepEqual(got, [
    { spec: './a.ts', typeOnly: false },
    { spec: '../b.ts', typeOnly: true },
    { spec: './c.ts', typeOnly: true },
    { spec: './e.ts', typeOnly: false },
    { spec: './g.ts', typeOnly: false },
    { spec: './h.ts', typeOnly: true },
    { spec: './side.ts', typeOnly: false },
    { spec: '../m.ts', typeOnly: false },
  ]);
});

test('a broken edge is caught: an adapter importing a command, ui doing file I/O', () => {
  assert.match(broken(join(src, 'kube/x.ts'), '../commands/status.ts', false) ?? '', /adapters .* never import commands/);
  assert.match(broken(join(src, 'ui/x.tsx'), 'node:fs', false) ?? '', /ui does no I\/O/);
  assert.match(broken(join(src, 'ui/x.tsx'), '../sessions/store.ts', false) ?? '', /types only/);
  assert.equal(broken(join(src, 'ui/x.tsx'), '../sessions/store.ts', true), null);
  assert.match(broken(join(src, 'app/x.ts'), '../cli/args.ts', false) ?? '', /app never imports/);
  assert.match(broken(join(src, 'core/x.ts'), 'node:fs', false) ?? '', /core imports only core/);
});
