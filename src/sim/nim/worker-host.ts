// The simulated NIM in its own worker thread, so token timing never shares the UI's event loop
// (and the UI never delays the server's tokens). Same handle as startSimNim, every method async.
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../../util/worker.ts';
import { validateOptions, type SimNimHandle, type SimNimOptions, type SimStats } from './server.ts';
import type { HostRequest, WorkerMessage } from './worker.ts';

type Op = { op: 'setReady'; ready: boolean } | { op: 'stats' } | { op: 'close' };

export async function startSimNimInWorker(opts: SimNimOptions = {}): Promise<SimNimHandle> {
  validateOptions(opts); // fail here, with a clear message, rather than inside the thread
  const worker: Worker = spawnWorker(new URL('./worker.ts', import.meta.url), { workerData: opts });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let exited = false;

  const started = new Promise<{ url: string; port: number }>((resolve, reject) => {
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'listening') resolve({ url: m.url, port: m.port });
      else if (m.type === 'start-failed') reject(new Error(`simulated NIM failed to start: ${m.message}`));
      else {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (m.error !== undefined) p?.reject(new Error(m.error));
        else p?.resolve(m.value);
      }
    });
    worker.on('error', (e) => reject(e));
    worker.on('exit', (code) => {
      exited = true;
      const err = new Error(`simulated NIM worker exited (code ${code})`);
      reject(err);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
  });

  let where: { url: string; port: number };
  try {
    where = await started;
  } catch (e) {
    await worker.terminate();
    throw e;
  }

  const call = (op: Op): Promise<unknown> => {
    if (exited) return Promise.reject(new Error('simulated NIM worker is not running'));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...op } as HostRequest);
    });
  };

  let closing: Promise<void> | null = null;
  return {
    url: where.url,
    port: where.port,
    setReady: async (ready: boolean) => {
      await call({ op: 'setReady', ready });
    },
    stats: async () => (await call({ op: 'stats' })) as SimStats,
    close() {
      closing ??= (async () => {
        try {
          if (!exited) await call({ op: 'close' });
        } catch {
          // the worker died already: terminating below is all that is left to do
        }
        if (!exited) await worker.terminate();
      })();
      return closing;
    },
  };
}
