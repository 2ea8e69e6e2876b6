// Messages between the main thread and the load worker (structured-clone plain data only).
import type { LevelMeasurement } from '../core/sweep.ts';
import type { SlaConfig } from '../core/sla.ts';
import type { ShapeId } from '../core/sweep-types.ts';
import type { MergedProgress } from '../core/load-split.ts';

export interface WorkerInit {
  /** Origin + optional path prefix, without /v1. */
  baseUrl: string;
  /** Sent as Authorization: Bearer; never echoed in any message. */
  apiKey?: string;
  /** Pool size: the highest concurrency this worker will run (no hidden cap). */
  maxConnections: number;
  progressMs: number;
}

export interface LevelConfig {
  id: number;
  shape: ShapeId;
  concurrency: number;
  model: string;
  promptTokens: number;
  outputTokens: number;
  stream: boolean;
  requestTimeoutMs: number;
  stallTimeoutMs: number;
  ttftSlaMs: number;
  goodput: SlaConfig['goodput'];
  confidence: number;
  /** Send min_tokens + ignore_eos so the server writes exactly outputTokens (default true). */
  forceLength: boolean;
  /** Keep per-chunk gaps (ITL). Off for the non-streaming request-ceiling benchmark. */
  collectGaps: boolean;
  /**
   * Spread the users' first requests evenly over this many ms instead of sending all N at once
   * (default 0). Closed-loop users with equal requests against a fixed-timing server stay in lock
   * step forever, so the server parses N requests in one burst each round; the fidelity benchmark
   * spreads them so it measures the load generator, not that burst. Room for seed 003's ramps.
   */
  startSpreadMs?: number;
  /** Random per session: starts every prompt (no prefix shared with another run). */
  promptSalt?: string;
  /** Share of prompt tokens shared by every request of the session (default 0). */
  prefixCacheHit?: number;
  /** Test hook: block the worker's event loop this many ms every 50 ms (client-limit tests). */
  testBlockLoopMs?: number;
  /** Numbering of this worker's users starts here (a remote loader's share of a level): prompts stay unique across loaders. */
  userOffset?: number;
  /** Send raw samples (progress deltas and the window's arrays) so a coordinator can merge loaders exactly. */
  exportSamples?: boolean;
}

/** TTFT samples behind the progress CI, as deltas: `set` names the list, `from` its index. */
export interface ProgressSamples {
  set: 'steady' | 'window';
  from: number;
  ttft: number[];
  /** Ages of in-flight requests already past the TTFT SLA without a first token. */
  overSla: number[];
}

/** The window's raw per-request figures (ms), for an exact merge of several loaders. */
export interface RawSamples {
  ttft: number[];
  tpot: number[];
  e2el: number[];
  itl: number[];
}

export interface WorkerProgress extends MergedProgress {
  id: number;
  elapsedMs: number;
  /** Window start as epoch ms (performance.timeOrigin + now), null in warm-up. */
  windowStartEpochMs: number | null;
  samples?: ProgressSamples;
}

export type ToWorker = { type: 'level'; cfg: LevelConfig } | { type: 'stop'; id: number; reason: string } | { type: 'close' };

export type FromWorker =
  | { type: 'progress'; p: WorkerProgress }
  | { type: 'measured'; id: number; m: LevelMeasurement; windowEndEpochMs: number; samples?: RawSamples }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; line: string }
  | { type: 'closed' };
