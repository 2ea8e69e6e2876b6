// Starts a worker thread from a module given by its source URL (a URL of './worker.ts' from import.meta.url).
// Compiled (dist/, the bin and `npm start`) `npm run build` has made each worker an entry of its own
// and rewritten that URL to it (dist/worker-*.js), so it arrives here as .js and runs directly. From
// sources (tests, development) Node 20's loader hooks registered in the main thread do not reach worker
// threads, so a small .mjs bootstrap registers tsx inside the worker and then imports the .ts module.
import { Worker, type WorkerOptions } from 'node:worker_threads';

const compiled = import.meta.url.endsWith('.js');

export function spawnWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  if (!/\.tsx?$/.test(moduleUrl.pathname)) return new Worker(moduleUrl, options);
  // Only a URL built from a literal is rewritten by the build; a computed one would name a missing file.
  if (compiled) throw new Error(`worker ${moduleUrl.pathname} was not bundled: name a worker by a literal URL relative to import.meta.url`);
  const bootstrap = new URL('./worker-bootstrap.mjs', import.meta.url);
  return new Worker(bootstrap, { ...options, argv: [moduleUrl.href, ...(options.argv ?? [])] });
}
