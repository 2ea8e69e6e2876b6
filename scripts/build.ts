// `npm run build`: bundles src/ into dist/ with esbuild, one file per entry (the CLI and each worker
// thread) plus shared chunks for the commands loaded lazily. Why a bundle and not tsc's file-per-module
// output: Node spent most of the first frame's ~0.45 s resolving, reading and parsing ~600 module files
// (416 of them es-toolkit's, pulled in by Ink) and running cjs-module-lexer over React's development
// build; one file per entry and React's production build cut that (figures: README, "How it is built").
// Type checking stays with `npm run typecheck`; tests and development run src/ through tsx.
//
// Every output file lies directly in dist/, so a module's `new URL('<relative>', import.meta.url)`
// (package.json, themes/, charts/, a worker's .ts) is rewritten here to the same target seen from
// dist/; a worker's .ts becomes its own entry. A relative URL to anything else fails the build.
import { build, type Plugin } from 'esbuild';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLoaderBundle } from '../src/load/remote/bundle.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = join(ROOT, 'src');
const DIST = join(ROOT, 'dist');
const URL_RE = /new URL\((['"])(\.{1,2}\/[^'"]+)\1, import\.meta\.url\)/g;
/** Whether the match at `index` sits after a `//` on its line (a comment: left alone). */
const inComment = (text: string, index: number) => text.slice(text.lastIndexOf('\n', index) + 1, index).includes('//');

/** Output name of a worker module: src/sim/nim/worker.ts → worker-sim-nim. */
const workerEntryName = (file: string) => `worker-${relative(SRC, dirname(file)).replaceAll('/', '-')}${file.endsWith('/worker.ts') ? '' : '-' + file.replace(/^.*\//, '').replace(/\.tsx?$/, '')}`;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f))
    .map((f) => join(dir, f));
}

/** The worker modules: every .ts a source file starts through `new URL('./x.ts', import.meta.url)`. */
function workerEntries(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of sourceFiles(SRC)) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(URL_RE)) {
      if (inComment(text, m.index)) continue;
      const target = resolve(dirname(f), m[2]);
      if (/\.tsx?$/.test(target) && existsSync(target)) out[workerEntryName(target)] = target;
    }
  }
  return out;
}

const relativeUrls: Plugin = {
  name: 'nimble-relative-urls',
  setup(b) {
    b.onLoad({ filter: /\/src\/.*\.tsx?$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      let failure: string | null = null;
      const contents = text.replace(URL_RE, (whole, q: string, rel: string, index: number) => {
        if (inComment(text, index)) return whole;
        const target = resolve(dirname(args.path), rel);
        let fromDist: string;
        if (/\.tsx?$/.test(target) && target.startsWith(SRC + '/')) fromDist = `./${workerEntryName(target)}.js`;
        else if (existsSync(target) || target.startsWith(DIST + '/')) fromDist = relative(DIST, target) + (rel.endsWith('/') ? '/' : '');
        else {
          // loader.ts names worker.mjs, which exists only in the loader's own bundle (dist/loader/).
          if (args.path.endsWith('/load/remote/loader.ts')) return whole;
          failure = `${relative(ROOT, args.path)}: ${rel} does not exist`;
          return whole;
        }
        return `new URL(${q}${fromDist.startsWith('.') ? fromDist : './' + fromDist}${q}, import.meta.url)`;
      });
      if (failure) return { errors: [{ text: failure }] };
      return { contents, loader: args.path.endsWith('x') ? 'tsx' : 'ts' };
    });
  },
};

const t0 = performance.now();
rmSync(DIST, { recursive: true, force: true });
const result = await build({
  entryPoints: { main: join(SRC, 'cli/main.tsx'), ...workerEntries() },
  outdir: DIST,
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  jsx: 'automatic',
  // React's production build: the development one is twice the code and checks every render.
  define: { 'process.env.NODE_ENV': '"production"' },
  // Whitespace and identifiers stay: minifying them measured no faster start here (CPU time to the
  // first frame within noise) and would cost readable stack traces.
  minifySyntax: true,
  // esbuild runs a native binary (bundling the loader from sources); tsx only the bin's source mode;
  // react-devtools-core only when Ink runs with DEV=true (not a dependency).
  external: ['esbuild', 'tsx', 'tsx/*', 'react-devtools-core'],
  // CommonJS parts of dependencies (React, undici) call require() for node built-ins.
  banner: { js: "import{createRequire as __nimbleRequire}from'node:module';const require=__nimbleRequire(import.meta.url);" },
  plugins: [relativeUrls],
  logLevel: 'warning',
  metafile: true,
});

// The loader's own bundle (pods and `--load-from processes`), built once here instead of per run.
const loader = await buildLoaderBundle();
mkdirSync(join(DIST, 'loader'), { recursive: true });
cpSync(loader.dir, join(DIST, 'loader'), { recursive: true });
loader.remove();

writeFileSync(join(DIST, '.build-stamp'), new Date().toISOString());
const outputs = Object.entries(result.metafile.outputs);
const kb = (n: number) => `${Math.round(n / 1024)} KB`;
const named = outputs.filter(([f]) => !relative(DIST, f).startsWith('chunk-'));
const chunkBytes = outputs.filter(([f]) => relative(DIST, f).startsWith('chunk-')).reduce((s, [, o]) => s + o.bytes, 0);
const list = named.map(([f, o]) => `${relative(DIST, f)} ${kb(o.bytes)}`).join(', ');
console.log(`dist/: ${list}; ${outputs.length - named.length} chunks ${kb(chunkBytes)}; loader/ ${kb(loader.bytes)} · ${((performance.now() - t0) / 1000).toFixed(1)} s`);
