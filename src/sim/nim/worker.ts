// Worker-thread side of startSimNimInWorker: runs the simulated NIM on this thread's own event
// loop and answers the host's requests over postMessage.
import { parentPort, workerData } from 'node:worker_threads';
import { startSimNim, type SimNimOptions } from './server.ts';

export type HostRequest = { id: number; op: 'setReady'; ready: boolean } | { id: number; op: 'stats' } | { id: number; op: 'close' };
export type WorkerMessage =
  | { type: 'listening'; url: string; port: number }
  | { type: 'start-failed'; message: string }
  | { type: 'reply'; id: number; value?: unknown; error?: string };

const port = parentPort!;
try {
  const h = await startSimNim(workerData as SimNimOptions);
  port.on('message', async (m: HostRequest) => {
    try {
      const value = m.op === 'setReady' ? await h.setReady(m.ready) : m.op === 'stats' ? await h.stats() : await h.close();
      port.postMessage({ type: 'reply', id: m.id, value } satisfies WorkerMessage);
      if (m.op === 'close') port.close();
    } catch (e) {
      port.postMessage({ type: 'reply', id: m.id, error: (e as Error).message } satisfies WorkerMessage);
    }
  });
  port.postMessage({ type: 'listening', url: h.url, port: h.port } satisfies WorkerMessage);
} catch (e) {
  port.postMessage({ type: 'start-failed', message: (e as Error).message } satisfies WorkerMessage);
}
