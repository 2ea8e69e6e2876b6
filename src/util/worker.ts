// Starts a worker thread from a module given by its source URL (`new URL('./worker.ts', import.meta.url)`).
// Compiled (dist/, the bin and `npm start`) the sibling .js runs directly. From sources (tests,
// development) Node 20's loader hooks registered in the main thread do not reach worker threads, so a
// small .mjs bootstrap registers tsx inside the worker and then imports the .ts module.
import { Worker, type WorkerOptions } from 'node:worker_threads';

const compiled = import.meta.url.endsWith('.js');

export function spawnWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  if (!/\.tsx?$/.test(moduleUrl.pathname)) return new Worker(moduleUrl, options);
  if (compiled) return new Worker(new URL(moduleUrl.href.replace(/\.tsx?$/, '.js')), options);
  const bootstrap = new URL('./worker-bootstrap.mjs', import.meta.url);
  return new Worker(bootstrap, { ...options, argv: [moduleUrl.href, ...(options.argv ?? [])] });
}
