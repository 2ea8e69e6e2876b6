// The seam between the sweep and whatever generates the load. The sweep runner (the coordinator)
// decides levels, warm-up, early stops and bisect; "run a level of concurrency C" goes to a
// LevelEngine: the local worker thread (LoadEngine), or N loader processes/pods (RemoteLoadEngine).
import type { LevelMeasurement } from '../core/sweep.ts';
import type { LevelConfig, RawSamples, WorkerInit, WorkerProgress } from './protocol.ts';

export interface LevelRunHandle {
  result: Promise<{ m: LevelMeasurement; windowEndEpochMs: number; samples?: RawSamples }>;
  stop(reason: string): void;
}

export interface LevelEngine {
  runLevel(cfg: Omit<LevelConfig, 'id'>, onProgress: (p: WorkerProgress) => void): LevelRunHandle;
  close(graceMs?: number): Promise<void>;
  terminate(): Promise<void>;
  /**
   * Set once the engine cannot hold a level any more (a loader died): the sweep records the level
   * it was running, then stops cleanly with this text.
   */
  readonly lost?: string | null;
}

/** Builds the engine for a sweep (called once, with the pool size the sweep needs). */
export type LevelEngineFactory = (init: WorkerInit, onLog: (level: 'info' | 'warn' | 'error', line: string) => void) => Promise<LevelEngine>;
