// Types shared by the load engine, the sweep, the store, sessions and views.
// All durations are milliseconds; throughputs are per second.

/** The workload shapes, in sweep order: the one list; ShapeId, the parsers and the config schema derive from it. */
export const SHAPE_IDS = ['support', 'summary', 'coding'] as const;
export type ShapeId = (typeof SHAPE_IDS)[number];

export interface WorkloadShape {
  id: ShapeId;
  label: string;
  promptTokens: number;
  outputTokens: number;
  /** What the shape stresses (seed 001). */
  focus: 'TTFT' | 'KV cache' | 'TPOT';
}

/** Percentiles of one metric over the measured window (method stated in src/core/stats.ts). */
export interface Percentiles {
  n: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  min: number;
  max: number;
  /**
   * Distribution-free interval of each percentile from order statistics (src/core/stats.ts), at
   * `confidence` two-sided; null where n is too small to bound that side. Absent in old sessions.
   */
  ci?: { confidence: number; p50: [number | null, number | null]; p95: [number | null, number | null]; p99: [number | null, number | null] };
}

export type BreakRule = 'ttft' | 'queue' | 'success';
export type LevelOutcome = 'pass' | 'break' | 'inconclusive';
export type Grade = 'excellent' | 'acceptable' | 'degraded';

/** One server-metrics scrape. A metric the engine does not expose is null ("unknown"), never 0. */
export interface ServerSample {
  /** Session-clock ms. */
  t: number;
  engine: 'nim' | 'vllm' | 'llamacpp' | 'tgi' | 'sglang' | 'unknown';
  running: number | null;
  waiting: number | null;
  /** 0..1 */
  kvCache: number | null;
}

/**
 * What identifies a level and what was counted in its window: the load engine's measurement
 * (LevelMeasurement in src/core/sweep.ts) and the judged result (LevelResult) both are one.
 */
export interface LevelCore {
  shape: ShapeId;
  concurrency: number;
  /** Measured window length (after warm-up), ms. */
  windowMs: number;
  completed: number;
  failed: number;
  errorsByClass: Record<string, number>;
  ttft: Percentiles;
  tpot: Percentiles;
  itl: Percentiles;
  e2el: Percentiles;
  /** Where output token counts came from. */
  tokenSource: 'usage' | 'chunks' | 'mixed';
  /** How the level stopped measuring (min reached, early stop by CI, max time). */
  stopReason: string;
  /** Requests sent a second time after a connection reset before any response byte (not failures). */
  retried?: number;
  /** The server's reason for each error class, one example each (bounded). */
  errorExamples?: Record<string, string>;
}

/** What evaluateLevel derives from a measurement: rates, means, server readings, grades. */
export interface LevelFigures {
  successRate: number;
  reqPerS: number;
  outputTokPerS: number;
  totalTokPerS: number;
  /** Requests meeting every SLO per second. */
  goodput: number;
  meanOutputTokens: number;
  meanPromptTokens: number;
  /** Server readings over the window. */
  server: {
    samples: number;
    queuedShare: number | null; // share of samples with waiting > 0
    waitingMax: number | null;
    runningMax: number | null;
    kvCacheMax: number | null;
    engine: ServerSample['engine'];
  };
  grades: { ttft: Grade; outputSpeed: Grade; kvCache: Grade | null; success: Grade };
  /** Set when the client (this machine) could not drive the level faithfully: the reason. */
  clientLimit?: string | null;
  /** Load generator's own cost: busy share of its thread and CPU µs per streamed token. */
  client?: { busyShare: number; cpuUsPerToken: number | null; lagP99Ms: number };
  /** What was asked of the server (output 0: length not forced); compare with meanPromptTokens / meanOutputTokens. */
  requested?: { promptTokens: number; outputTokens: number };
  /** Where meanPromptTokens comes from: the server's usage.prompt_tokens, or the requested length. */
  promptTokenSource?: 'usage' | 'requested' | 'mixed';
}

/** The judgement of a level: validity, break rules, outcome. */
export interface LevelVerdict {
  /** Validity: an INVALID level is shown with its reasons, never taken as truth. */
  valid: boolean;
  invalidReasons: string[];
  /** What the break rules say about the observed figures; what counts is `outcome`. */
  verdict: 'pass' | 'break';
  brokeBy: BreakRule[];
  /**
   * The level's answer: pass or break only when valid and decided by the confidence bounds;
   * inconclusive (invalid client, too few samples, nothing completed, undecided at the time cap)
   * otherwise. Only pass/break levels feed the breaking point. Absent in old sessions (see
   * levelOutcome in src/core/sweep.ts).
   */
  outcome?: LevelOutcome;
  /** Why that outcome, in one line. */
  outcomeWhy?: string;
  /** 2 when this is the re-measurement of an invalid level. */
  attempt?: number;
}

/** A judged level, as events, sessions and views carry it: the counts, the figures, the verdict. */
export interface LevelResult extends LevelCore, LevelFigures, LevelVerdict {}

export interface BreakingPoint {
  shape: ShapeId;
  /** Highest concurrency that passed; 0 when even 1 broke. */
  lastPassing: number;
  /** Lowest concurrency that broke; null when the sweep reached its max without breaking. */
  firstFailing: number | null;
  /** Which rule tripped first at firstFailing. */
  rule: BreakRule | null;
  /** Bisect resolution: the answer is exact to within this many users. */
  resolution: number;
  limitedBy: 'queueing' | 'kv-cache' | 'decode-speed' | 'errors' | 'max-concurrency' | 'client' | 'unknown';
  /**
   * How far the answer goes: found (a valid pass/break bracket), not-reached (no break up to the
   * sweep's max: "≥ lastPassing"), client-limited (this machine could not drive more: "≥
   * lastPassing"), no-answer (no valid, decided level). Absent in old sessions: see answerStatus.
   */
  status?: 'found' | 'not-reached' | 'client-limited' | 'no-answer';
  /** Why the answer is limited or missing (client-limited, no-answer). */
  why?: string;
  /** What to do about it. */
  advice?: string;
  /** Levels measured but left out of the answer (inconclusive). */
  inconclusive?: number;
}

/** Economic throughput at the last passing level. */
export interface Economics {
  outputTokPerSPerGpu: number;
  usdPerMillionOutputTokens: number;
  usersPerGpuDollar: number; // users served per $/hour of GPU
  priceTable: string;
}
