// Starts a worker thread from a TypeScript module. nimble runs from its .ts sources through tsx,
// and on Node 20 loader hooks registered in the main thread do not reach worker threads, so a
// small .mjs bootstrap registers tsx inside the worker and then imports the module.
import { Worker, type WorkerOptions } from 'node:worker_threads';

const bootstrap = new URL('./worker-bootstrap.mjs', import.meta.url);

export function spawnWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  if (!/\.tsx?$/.test(moduleUrl.pathname)) return new Worker(moduleUrl, options);
  return new Worker(bootstrap, { ...options, argv: [moduleUrl.href, ...(options.argv ?? [])] });
}
