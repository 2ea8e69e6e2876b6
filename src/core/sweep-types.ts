// Types shared by the load engine, the sweep, the store, sessions and views.
// All durations are milliseconds; throughputs are per second.

export type ShapeId = 'support' | 'summary' | 'coding';

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
}

export type BreakRule = 'ttft' | 'queue' | 'success';
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

export interface LevelResult {
  shape: ShapeId;
  concurrency: number;
  /** Measured window length (after warm-up), ms. */
  windowMs: number;
  completed: number;
  failed: number;
  errorsByClass: Record<string, number>;
  successRate: number;
  ttft: Percentiles;
  tpot: Percentiles;
  itl: Percentiles;
  e2el: Percentiles;
  reqPerS: number;
  outputTokPerS: number;
  totalTokPerS: number;
  /** Requests meeting every SLO per second. */
  goodput: number;
  /** Where output token counts came from. */
  tokenSource: 'usage' | 'chunks' | 'mixed';
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
  /** Validity: an INVALID level is shown with its reasons, never taken as truth. */
  valid: boolean;
  invalidReasons: string[];
  verdict: 'pass' | 'break';
  brokeBy: BreakRule[];
  grades: { ttft: Grade; outputSpeed: Grade; kvCache: Grade | null; success: Grade };
  /** How the level stopped measuring (min reached, early stop by CI, max time). */
  stopReason: string;
  /** What was asked of the server (output 0: length not forced); compare with meanPromptTokens / meanOutputTokens. */
  requested?: { promptTokens: number; outputTokens: number };
  /** Where meanPromptTokens comes from: the server's usage.prompt_tokens, or the requested length. */
  promptTokenSource?: 'usage' | 'requested' | 'mixed';
  /** Requests sent a second time after a connection reset before any response byte (not failures). */
  retried?: number;
  /** The server's reason for each error class, one example each (bounded). */
  errorExamples?: Record<string, string>;
}

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
  limitedBy: 'queueing' | 'kv-cache' | 'decode-speed' | 'errors' | 'max-concurrency' | 'unknown';
}

/** Economic throughput at the last passing level. */
export interface Economics {
  outputTokPerSPerGpu: number;
  usdPerMillionOutputTokens: number;
  usersPerGpuDollar: number; // users served per $/hour of GPU
  priceTable: string;
}
