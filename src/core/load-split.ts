// Load from several loaders (processes or pods): how a level's users are split across them, how
// their live progress is combined for the stop decision, and how their measurements merge into one.
// Pure: the coordinator feeds plain data in. No clock of one loader is ever compared with another's:
// each loader reports durations measured on its own monotonic clock.
import type { LevelMeasurement } from './sweep.ts';
import { quantileCI, quantileSorted, sortNumbers, summarize } from './stats.ts';

export interface Share {
  /** Index of the loader. */
  worker: number;
  users: number;
  /** First user number of this share (prompts stay unique across loaders). */
  userOffset: number;
}

/**
 * Splits C users over W loaders as evenly as possible (shares differ by at most one); loaders that
 * would get none are left out, so a level of 1 user runs on one loader only.
 */
export function splitLevel(concurrency: number, workers: number): Share[] {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`concurrency must be a whole number ≥ 1, got ${concurrency}`);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`loaders must be a whole number ≥ 1, got ${workers}`);
  const out: Share[] = [];
  const base = Math.floor(concurrency / workers);
  const extra = concurrency % workers;
  let offset = 0;
  for (let w = 0; w < workers; w++) {
    const users = base + (w < extra ? 1 : 0);
    if (users === 0) continue;
    out.push({ worker: w, users, userOffset: offset });
    offset += users;
  }
  return out;
}

/** Per-request figures (ms) a loader sends at the end of a level. */
export interface SampleSet {
  ttft: ArrayLike<number>;
  tpot: ArrayLike<number>;
  e2el: ArrayLike<number>;
  itl: ArrayLike<number>;
}

/** One loader's part of a level: its own measurement and its raw samples (null if it was lost). */
export interface Part {
  m: LevelMeasurement;
  samples: SampleSet;
}

function concat(arrays: ArrayLike<number>[]): Float64Array {
  let n = 0;
  for (const a of arrays) n += a.length;
  const out = new Float64Array(n);
  let i = 0;
  for (const a of arrays) for (let j = 0; j < a.length; j++) out[i++] = a[j];
  return out;
}

/**
 * Merges the loaders' measurements of one level. Percentiles are computed over the union of the
 * raw samples, so they equal those of one loader that had seen every request. Counts add up; the
 * in-flight figures add up (each loader held its own share); lag is the worst loader's. Each
 * loader's window is on its own clock and starts when its own warm-up ends, so windows differ a
 * little: the merged window is the one that keeps the request rate the sum of the loaders' rates.
 */
export function mergeParts(concurrency: number, parts: Part[], stopReason: string, notes: string[] = []): LevelMeasurement {
  if (parts.length === 0) throw new Error('no loader reported a measurement for this level');
  const ms = parts.map((p) => p.m);
  const sum = (f: (m: LevelMeasurement) => number) => ms.reduce((a, m) => a + f(m), 0);
  const done = (m: LevelMeasurement) => m.completed + m.failed;
  const allDone = sum(done);
  const errorsByClass: Record<string, number> = {};
  for (const m of ms) for (const [k, v] of Object.entries(m.errorsByClass)) errorsByClass[k] = (errorsByClass[k] ?? 0) + v;
  const sources = new Set(ms.filter((m) => m.completed > 0).map((m) => m.tokenSource));
  const all = (k: keyof SampleSet) => concat(parts.map((p) => p.samples[k]));
  const measured = ms.every((m) => m.measured);
  return {
    shape: ms[0].shape,
    concurrency,
    measured,
    windowMs: mergedWindowMs(ms),
    completed: sum((m) => m.completed),
    failed: sum((m) => m.failed),
    errorsByClass,
    ttft: summarize(all('ttft')),
    tpot: summarize(all('tpot')),
    itl: summarize(all('itl')),
    e2el: summarize(all('e2el')),
    allDoneMeanMs: allDone ? sum((m) => m.allDoneMeanMs * done(m)) / allDone : 0,
    outputTokens: sum((m) => m.outputTokens),
    promptTokens: sum((m) => m.promptTokens),
    goodCount: sum((m) => m.goodCount),
    tokenSource: sources.size === 0 ? 'usage' : sources.size === 1 ? [...sources][0] : 'mixed',
    maxInFlight: sum((m) => m.maxInFlight),
    meanInFlight: sum((m) => m.meanInFlight),
    lagP99Ms: Math.max(...ms.map((m) => m.lagP99Ms)),
    lagMaxMs: Math.max(...ms.map((m) => m.lagMaxMs)),
    stopReason,
    requestedOutputTokens: ms[0].requestedOutputTokens,
    requestedPromptTokens: ms[0].requestedPromptTokens,
    notes: [...new Set([...notes, ...ms.flatMap((m) => m.notes), ...(measured || !ms.some((m) => m.measured) ? [] : ['some loaders had not finished warm-up: the level mixes window and warm-up figures'])])],
  };
}

/** Σ done / Σ (done_i / window_i): the total rate is the sum of each loader's own rate. */
export function mergedWindowMs(ms: LevelMeasurement[]): number {
  let done = 0;
  let rate = 0;
  for (const m of ms) {
    const d = m.completed + m.failed;
    done += d;
    if (m.windowMs > 0) rate += d / m.windowMs;
  }
  return done > 0 && rate > 0 ? done / rate : ms.reduce((a, m) => a + m.windowMs, 0) / ms.length;
}

/** The latest progress of one loader, as the coordinator keeps it. */
export interface LoaderProgress {
  phase: 'warmup' | 'measuring';
  inFlight: number;
  maxInFlight: number;
  completed: number;
  failed: number;
  measuringMs: number;
  lagP99Ms: number;
  /** TTFT list behind the CI (warm-up: after the first burst; measuring: the window). */
  ttft: number[];
  overSla: number[];
}

/** A level's progress as the stop decision reads it: one worker's (WorkerProgress extends it) or the loaders' merged. */
export interface MergedProgress {
  phase: 'warmup' | 'measuring';
  inFlight: number;
  maxInFlight: number;
  /** Window counts (since the level started while in warm-up). */
  completed: number;
  failed: number;
  /** p95 of completed TTFTs (window, else whole level); null with none yet. */
  ttftP95: number | null;
  /** CI inputs for decideLevelStop. */
  ttft: { n: number; low: number; high: number; max: number };
  /** Time measured so far; merged: the shortest among the loaders (all measuring only when > 0). */
  measuringMs: number;
  lagP99Ms: number;
}

/**
 * Combines the loaders' latest progress for the level's stop decision: measuring once every loader
 * is; the TTFT p95 interval over the union of their samples (plus requests past the SLA).
 */
export function mergeProgress(parts: LoaderProgress[], confidence: number): MergedProgress {
  const measuring = parts.length > 0 && parts.every((p) => p.phase === 'measuring');
  const ttft = sortNumbers(concat([...parts.map((p) => p.ttft), ...parts.map((p) => p.overSla)]));
  const done = sortNumbers(concat(parts.map((p) => p.ttft)));
  const ci = quantileCI(ttft, 0.95, 2 * confidence - 1);
  return {
    phase: measuring ? 'measuring' : 'warmup',
    inFlight: parts.reduce((a, p) => a + p.inFlight, 0),
    maxInFlight: parts.reduce((a, p) => a + p.maxInFlight, 0),
    completed: parts.reduce((a, p) => a + p.completed, 0),
    failed: parts.reduce((a, p) => a + p.failed, 0),
    ttftP95: done.length ? quantileSorted(done, 0.95) : null,
    ttft: { n: ttft.length, low: ci.low, high: ci.high, max: ttft.length ? ttft[ttft.length - 1] : 0 },
    measuringMs: measuring ? Math.min(...parts.map((p) => p.measuringMs)) : 0,
    lagP99Ms: parts.length ? Math.max(...parts.map((p) => p.lagP99Ms)) : 0,
  };
}
