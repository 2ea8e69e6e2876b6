// Main-thread handle on the load worker: start a level, watch its progress, stop it and get its
// measurement. One level at a time.
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../util/worker.ts';
import type { LevelMeasurement } from '../core/sweep.ts';
import type { FromWorker, LevelConfig, RawSamples, ToWorker, WorkerInit, WorkerProgress } from './protocol.ts';

export interface LevelRun {
  /** Resolves with the measurement once the level is stopped (by stop() or close()). */
  result: Promise<{ m: LevelMeasurement; windowEndEpochMs: number; samples?: RawSamples }>;
  stop(reason: string): void;
}

export class LoadEngine {
  private readonly worker: Worker;
  private nextId = 1;
  private current: {
    id: number;
    onProgress: (p: WorkerProgress) => void;
    resolve: (v: { m: LevelMeasurement; windowEndEpochMs: number; samples?: RawSamples }) => void;
    reject: (e: Error) => void;
  } | null = null;
  private closed = false;
  private exited: Promise<void>;

  /** `workerUrl`: the worker module (the remote loader's bundle passes its own worker.mjs). */
  constructor(init: WorkerInit, private readonly onLog: (level: 'info' | 'warn' | 'error', line: string) => void = () => {}, workerUrl?: URL) {
    this.worker = spawnWorker(workerUrl ?? new URL('./worker.ts', import.meta.url), { workerData: init });
    this.worker.on('message', (msg: FromWorker) => this.onMessage(msg));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('error', (err) => {
      // Never echo the worker's data: only the error's own message.
      this.current?.reject(new Error(`load worker failed: ${err.message}`));
      this.current = null;
    });
    this.worker.once('exit', (code) => {
      if (this.current) this.current.reject(new Error(`load worker exited (code ${code}) during a level`));
      this.current = null;
    });
  }

  private onMessage(msg: FromWorker): void {
    if (msg.type === 'log') this.onLog(msg.level, msg.line);
    else if (msg.type === 'progress') {
      if (this.current && msg.p.id === this.current.id) this.current.onProgress(msg.p);
    } else if (msg.type === 'measured') {
      if (this.current && msg.id === this.current.id) {
        const c = this.current;
        this.current = null;
        c.resolve({ m: msg.m, windowEndEpochMs: msg.windowEndEpochMs, samples: msg.samples });
      }
    }
  }

  private send(msg: ToWorker): void {
    this.worker.postMessage(msg);
  }

  runLevel(cfg: Omit<LevelConfig, 'id'>, onProgress: (p: WorkerProgress) => void): LevelRun {
    if (this.closed) throw new Error('load engine is closed');
    if (this.current) throw new Error('a level is already running');
    const id = this.nextId++;
    const result = new Promise<{ m: LevelMeasurement; windowEndEpochMs: number; samples?: RawSamples }>((resolve, reject) => {
      this.current = { id, onProgress, resolve, reject };
    });
    this.send({ type: 'level', cfg: { ...cfg, id } });
    return { result, stop: (reason: string) => this.send({ type: 'stop', id, reason }) };
  }

  /** Stops any level, closes connections and ends the worker thread (terminates it if slow). */
  async close(graceMs = 1000): Promise<void> {
    if (this.closed) return this.exited;
    this.closed = true;
    try {
      this.send({ type: 'close' });
    } catch {
      /* already gone */
    }
    const timer = setTimeout(() => void this.worker.terminate(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Immediate end (abort path): no goodbye. */
  async terminate(): Promise<void> {
    this.closed = true;
    await this.worker.terminate();
  }
}

/** Converts an epoch-ms instant from the worker into this thread's performance.now() scale. */
export function epochToPerf(epochMs: number): number {
  return epochMs - performance.timeOrigin;
}
