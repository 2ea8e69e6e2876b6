// Starts a worker thread from a TypeScript module. nimble runs from its .ts sources through tsx,
// and worker threads do not inherit loader hooks registered in the main thread, so the worker is
// started with `--import tsx` explicitly.
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function spawnWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  const isTs = /\.tsx?$/.test(moduleUrl.pathname);
  const execArgv = isTs ? [...(options.execArgv ?? []), '--import', 'tsx'] : options.execArgv;
  return new Worker(moduleUrl, { ...options, execArgv });
}
