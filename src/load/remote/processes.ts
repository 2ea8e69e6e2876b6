// Loaders as local child processes (`--load-from processes`): the same bundled loader a pod runs,
// started here N times, each with its own event loop and worker thread. Gets past one process's
// ceiling on a machine with cores to spare; also how the cluster path is tested without a cluster.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { LevelEngineFactory } from '../level-engine.ts';
import { buildLoaderBundle, type LoaderBundle } from './bundle.ts';
import { RemoteLoadEngine } from './coordinator.ts';

export interface LoaderProcess {
  child: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

/** The command a loader runs (a pod's container command is the same with the ConfigMap's path). */
export function loaderCommand(dir: string, port: number, idleExitS = 600): string[] {
  return ['node', join(dir, 'loader.mjs'), '--listen', String(port), '--idle-exit', String(idleExitS)];
}

/** Starts one loader process on a free loopback port and waits for its "listening" line. */
export function startLoaderProcess(dir: string, index: number, env: NodeJS.ProcessEnv = process.env, host = '127.0.0.1'): Promise<LoaderProcess> {
  const [, ...args] = loaderCommand(dir, 0);
  const child = spawn(process.execPath, [...args, '--host', host], { env: { ...env, NIMBLE_LOADER_INDEX: String(index) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    const timer = setTimeout(() => (void stop(), reject(new Error('loader process did not start within 20 s'))), 20_000);
    const rl = createInterface({ input: child.stdout! });
    rl.on('line', (line) => {
      try {
        const m = JSON.parse(line);
        if (m.event === 'listening') {
          clearTimeout(timer);
          resolve({ child, port: m.port, stop });
        }
      } catch {
        /* not ours */
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`loader process exited with ${code}: ${stderr.trim().split('\n').slice(-3).join(' ')}`));
    });
  });
}

/** A LevelEngineFactory that runs the sweep's load from N local loader processes. */
export function processLoaders(count: number): LevelEngineFactory {
  return async (init, onLog) => {
    let bundle: LoaderBundle | null = null;
    const procs: LoaderProcess[] = [];
    const stopAll = async () => {
      await Promise.all(procs.map((p) => p.stop()));
      bundle?.remove();
    };
    try {
      bundle = await buildLoaderBundle();
      for (let i = 0; i < count; i++) procs.push(await startLoaderProcess(bundle.dir, i));
      const engine = await RemoteLoadEngine.open(
        procs.map((p, i) => ({ name: `process ${i} (pid ${p.child.pid})`, host: '127.0.0.1', port: p.port })),
        { ...init, maxConnections: Math.ceil(init.maxConnections / count) },
        onLog,
      );
      onLog('info', `load from ${count} local loader processes`);
      const close = engine.close.bind(engine);
      const terminate = engine.terminate.bind(engine);
      return Object.assign(engine, {
        pids: procs.map((p) => p.child.pid!),
        close: async (graceMs?: number) => (await close(graceMs), await stopAll()),
        terminate: async () => (await terminate(), await stopAll()),
      });
    } catch (err) {
      await stopAll();
      throw err;
    }
  };
}
