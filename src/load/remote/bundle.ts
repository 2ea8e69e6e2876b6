// Bundles the loader into two plain .mjs files (loader.mjs + worker.mjs, undici included) with
// esbuild, which nimble already has through tsx: a pod runs them with a public node image from a
// ConfigMap, and local loader processes run the very same files. There is no image or artefact to
// publish, and the loader always matches this nimble: the compiled bin (dist/) takes the files
// `npm run build` bundled into dist/loader/; from sources they are bundled here (~0.3 s).
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A ConfigMap holds at most 1 MiB of data in total. */
export const CONFIGMAP_LIMIT_BYTES = 1024 * 1024;

export interface LoaderBundle {
  dir: string;
  /** File name → contents, as they go into the ConfigMap. */
  files: Record<string, string>;
  bytes: number;
  remove(): void;
}

const FILES = ['loader.mjs', 'worker.mjs'];

export async function buildLoaderBundle(): Promise<LoaderBundle> {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-loader-'));
  try {
    if (import.meta.url.endsWith('.js')) {
      // Compiled: the build's copy (the build script rewrites this URL to dist/loader/).
      const built = new URL('../../../dist/loader/', import.meta.url);
      for (const f of FILES) cpSync(new URL(f, built), join(dir, f));
    } else await bundleFromSources(dir);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const files: Record<string, string> = {};
  let bytes = 0;
  for (const f of FILES) {
    files[f] = readFileSync(join(dir, f), 'utf8');
    bytes += statSync(join(dir, f)).size;
  }
  if (bytes > CONFIGMAP_LIMIT_BYTES * 0.95) throw new Error(`the loader bundle is ${bytes} bytes: too close to the ConfigMap limit of 1 MiB`);
  return { dir, files, bytes, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

async function bundleFromSources(dir: string): Promise<void> {
  const { build } = await import('esbuild');
  const src = (p: string) => new URL(p, import.meta.url).pathname;
  try {
    await build({
      entryPoints: { loader: src('./loader.ts'), worker: src('../worker.ts') },
      outdir: dir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      minify: true,
      legalComments: 'none',
      logLevel: 'silent',
      // undici's CommonJS parts call require() for node built-ins.
      banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    });
  } catch (err) {
    throw new Error(`could not bundle the loader: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
}
