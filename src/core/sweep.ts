// Pure sweep decisions: which level next, when a level has measured enough, whether a level's
// numbers can be trusted, its verdict, and the breaking point. No I/O; the runner feeds data in.
import type { BreakingPoint, BreakRule, LevelResult, Percentiles, ServerSample, ShapeId } from './sweep-types.ts';
import { breakRules, DEFAULT_SLA, gradeLevel, type SlaConfig } from './sla.ts';
import { levelExtras } from './workloads.ts';

export interface SweepTiming {
  /** Measure at least k·N completions (plus failures) per level. */
  k: number;
  /** Minimum measured window, ms. */
  minMs: number;
  /** Maximum measured window, ms (undecided levels stop here). */
  maxMs: number;
  /** Give up on a warm-up that has not reached N in flight and N completed by then. */
  warmupMaxMs: number;
  /** Server metrics scrape period. */
  scrapeMs: number;
  /**
   * Confidence of each one-sided TTFT p95 bound used for early stopping ("clearly above" uses the
   * lower bound, "clearly below" the upper): the two-sided interval has 2·confidence − 1.
   */
  confidence: number;
  /** Fewest TTFT samples before an early "clearly above the SLA" stop. */
  minEarlySamples: number;
  /** Per-request limits: whole request, and longest silence inside a stream. */
  requestTimeoutMs: number;
  stallTimeoutMs: number;
  /** Fixed-duration mode (the benchmark's baseline): every window lasts exactly this long. */
  fixedWindowMs?: number;
  /**
   * Early "server queueing" stop: when every server scrape over at least this long (and at least
   * minQueueSamples of them) shows requests waiting, the queue rule has tripped — stop the level.
   * In warm-up the span is the last queueEarlyMs; in the window, the whole window so far.
   */
  queueEarlyMs: number;
  minQueueSamples: number;
  /** Bisect resolution as a share of the last passing level (at least 1 user). */
  resolutionShare: number;
  /** Level growth before the first failure: 2 gives 1, 2, 4, 8, … (both presets). */
  growth: number;
}

export const TIMING: Record<'quick' | 'standard', SweepTiming> = {
  // quick: the simulator demo. Same rules on fewer numbers: levels 1, 2, 4, … then the
  // bisect; one round of completions per level (k = 1) after the warm-up round; windows of 1–6 s;
  // a queue verdict after 1.5 s of uninterrupted queueing; bisect to 1/4 of the last passing level
  // (±25%) instead of 1/8.
  quick: {
    k: 1,
    minMs: 1000,
    maxMs: 6000,
    // Long enough for one round at the demo's highest levels (~14 s per request at 56 users).
    warmupMaxMs: 30000,
    scrapeMs: 250,
    confidence: 0.95,
    minEarlySamples: 10,
    requestTimeoutMs: 120000,
    // A queued request gets no bytes until admitted (a real NIM does the same): the stall limit
    // must outlast a full round of requests ahead of it.
    stallTimeoutMs: 30000,
    queueEarlyMs: 1500,
    minQueueSamples: 5,
    resolutionShare: 1 / 4,
    growth: 2,
  },
  standard: {
    k: 4,
    minMs: 10000,
    maxMs: 60000,
    warmupMaxMs: 90000,
    scrapeMs: 1000,
    confidence: 0.95,
    minEarlySamples: 20,
    requestTimeoutMs: 300000,
    stallTimeoutMs: 30000,
    queueEarlyMs: 10000,
    minQueueSamples: 10,
    resolutionShare: 1 / 8,
    growth: 2,
  },
};

// ---------------------------------------------------------------------------------------------
// Level sequence: 1, 2, 4, … (capped at maxConcurrency), then bisect between the last pass and
// the first fail until they are within the resolution.

export interface LevelVerdict {
  concurrency: number;
  pass: boolean;
}

/** Default bisect resolution: 1 user up to 8, then 1/8 of the last passing level (±12.5%). */
export function defaultResolution(lastPassing: number, share = 1 / 8): number {
  return Math.max(1, Math.floor(lastPassing * share));
}

export function bracket(history: LevelVerdict[]): { lastPassing: number; firstFailing: number | null } {
  let firstFailing: number | null = null;
  for (const h of history) if (!h.pass && (firstFailing === null || h.concurrency < firstFailing)) firstFailing = h.concurrency;
  let lastPassing = 0;
  for (const h of history) if (h.pass && h.concurrency > lastPassing && (firstFailing === null || h.concurrency < firstFailing)) lastPassing = h.concurrency;
  return { lastPassing, firstFailing };
}

/** The next concurrency to measure, or null when the sweep has its answer. */
export function nextLevel(history: LevelVerdict[], maxConcurrency: number, resolution?: number, resolutionShare?: number, growth = 2): number | null {
  if (!(maxConcurrency >= 1)) throw new Error(`maxConcurrency must be ≥ 1, got ${maxConcurrency}`);
  if (history.length === 0) return 1;
  const { lastPassing, firstFailing } = bracket(history);
  const tried = new Set(history.map((h) => h.concurrency));
  if (firstFailing === null) {
    if (lastPassing >= maxConcurrency) return null;
    const next = Math.min(maxConcurrency, Math.max(1, lastPassing * growth));
    return tried.has(next) ? null : next;
  }
  if (lastPassing === 0 && firstFailing <= 1) return null; // even one user breaks
  const res = resolution ?? defaultResolution(lastPassing, resolutionShare);
  if (firstFailing - lastPassing <= Math.max(1, res)) return null;
  const mid = Math.floor((lastPassing + firstFailing) / 2);
  return tried.has(mid) ? null : mid;
}

// ---------------------------------------------------------------------------------------------
// Per-level stop decision, evaluated a few times a second from the worker's progress reports.

export interface LevelStatus {
  phase: 'warmup' | 'measuring';
  concurrency: number;
  /** Since the level started. */
  elapsedMs: number;
  /** Since the measured window started (0 in warm-up). */
  measuringMs: number;
  /** How long the warm-up took (measuring only): about one round of every user's request. */
  warmupMs?: number;
  /** Completed + failed in the window (in warm-up: since the level started). */
  done: number;
  /**
   * TTFT p95 interval over the window's successful requests plus in-flight requests already
   * waiting longer than the SLA for their first token (a certain violation, counted at its age).
   */
  ttft: { n: number; low: number; high: number; max: number };
  /**
   * Server scrapes for the early queue verdict (window so far; in warm-up the last queueEarlyMs):
   * how many, how many showed requests waiting, and the time they span. Absent: no early verdict.
   */
  queue?: { samples: number; queued: number; spanMs: number };
}

export type StopDecision = { stop: false } | { stop: true; reason: string; early: 'above' | 'below' | null };

export function decideLevelStop(s: LevelStatus, timing: SweepTiming, sla: SlaConfig = DEFAULT_SLA): StopDecision {
  const slaMs = sla.ttftBreakMs;
  if (timing.fixedWindowMs !== undefined) {
    if (s.phase === 'measuring' && s.measuringMs >= timing.fixedWindowMs) return { stop: true, reason: `fixed window ${fmtS(timing.fixedWindowMs)}`, early: null };
    if (s.phase === 'warmup' && s.elapsedMs >= timing.warmupMaxMs) return { stop: true, reason: `warm-up did not finish within ${fmtS(timing.warmupMaxMs)}`, early: null };
    return { stop: false };
  }
  const clearlyAbove = s.ttft.n >= timing.minEarlySamples && s.ttft.low > slaMs;
  const q = s.queue;
  const queuedThroughout = !!q && q.samples >= timing.minQueueSamples && q.queued === q.samples && q.spanMs >= timing.queueEarlyMs;
  const queueText = () => `server queue > 0 in all ${q!.samples} scrapes over ${fmtS(q!.spanMs)}`;
  if (s.phase === 'warmup') {
    // Requests still waiting after the warm-up's first queueEarlyMs, in every scrape: more users
    // than the server runs at once. The burst of a level's first requests drains in a few steps.
    if (queuedThroughout && s.elapsedMs >= Math.max(timing.minMs, 2 * timing.queueEarlyMs)) return { stop: true, reason: `stopped in warm-up: ${queueText()}`, early: 'above' };
    // An overloaded level can take very long to complete N requests; its answer is already clear.
    if (clearlyAbove && s.elapsedMs >= timing.minMs) return { stop: true, reason: `stopped in warm-up: TTFT p95 clearly above ${fmtS(slaMs)} (${ciText(s, timing)})`, early: 'above' };
    if (s.elapsedMs >= timing.warmupMaxMs) return { stop: true, reason: `warm-up did not finish within ${fmtS(timing.warmupMaxMs)}`, early: null };
    return { stop: false };
  }
  if (clearlyAbove) return { stop: true, reason: `early stop: TTFT p95 clearly above ${fmtS(slaMs)} (${ciText(s, timing)})`, early: 'above' };
  if (queuedThroughout && s.measuringMs >= timing.minMs) return { stop: true, reason: `early stop: ${queueText()}`, early: 'above' };
  // A window with nothing finished yet has no numbers: when a round of requests lasts longer than
  // maxMs (long outputs, users in step), wait for completions, up to warmupMaxMs more.
  if (s.done === 0 && s.measuringMs < timing.maxMs + timing.warmupMaxMs) return { stop: false };
  const kN = timing.k * s.concurrency;
  const enough = s.done >= kN && s.measuringMs >= timing.minMs;
  if (enough) {
    if (s.ttft.n > 0 && s.ttft.high < slaMs) return { stop: true, reason: `TTFT p95 clearly below ${fmtS(slaMs)} (${ciText(s, timing)})`, early: 'below' };
    // Too few samples for a distribution-free upper bound on p95 (needs ≥ 59 at 95%): accept the
    // level when every sample is under half the SLA — far from the line, so more samples would not flip it.
    if (s.ttft.n > 0 && s.ttft.high === Infinity && s.ttft.max < slaMs / 2) return { stop: true, reason: `every TTFT under ${fmtS(slaMs / 2)} (${s.ttft.n} samples)`, early: 'below' };
    if (s.ttft.n === 0 && s.done > 0) return { stop: true, reason: `no successful request in ${s.done}`, early: null };
  }
  // Undecided: stop at maxMs once k·N requests are in; when requests outlast maxMs, at the
  // k-round cap instead, so the window is not just the fastest few.
  if (s.measuringMs >= timing.maxMs && s.done >= kN)
    return { stop: true, reason: `past max time ${fmtS(timing.maxMs)} with k·N = ${kN} requests done, TTFT p95 undecided (${ciText(s, timing)})`, early: null };
  const capMs = windowCapMs(s, timing);
  if (s.measuringMs >= capMs) return { stop: true, reason: `max time ${fmtS(capMs)} reached, TTFT p95 undecided (${ciText(s, timing)})`, early: null };
  return { stop: false };
}

/**
 * The window's cap. A window shorter than the requests sees only the ones that finish fastest (a
 * biased sample), so where one round of requests (the warm-up's length) outlasts maxMs, the cap
 * becomes k rounds with a quarter to spare — never more than maxMs + warmupMaxMs.
 */
export function windowCapMs(s: Pick<LevelStatus, 'warmupMs'>, timing: SweepTiming): number {
  if (!s.warmupMs) return timing.maxMs;
  return Math.min(timing.maxMs + timing.warmupMaxMs, Math.max(timing.maxMs, timing.k * s.warmupMs * 1.25));
}

function fmtS(ms: number): string {
  return `${+(ms / 1000).toFixed(2)} s`;
}
function ciText(s: LevelStatus, timing: SweepTiming): string {
  const f = (x: number) => (Number.isFinite(x) ? `${Math.round(x)} ms` : x > 0 ? '∞' : '−∞');
  return `one-sided ${Math.round(timing.confidence * 100)}% bounds ${f(s.ttft.low)}–${f(s.ttft.high)}, n=${s.ttft.n}`;
}

// ---------------------------------------------------------------------------------------------
// What the load engine measured at one level (plain data from the worker).

export interface LevelMeasurement {
  shape: ShapeId;
  concurrency: number;
  /** False when the level stopped in warm-up: then the stats cover the whole level. */
  measured: boolean;
  /**
   * Set by the runner when warm-up stopped on a clear overload (server queue in every scrape, or
   * the TTFT p95 lower bound above the SLA): the level is a valid break without a window.
   */
  decidedInWarmup?: boolean;
  windowMs: number;
  completed: number;
  failed: number;
  errorsByClass: Record<string, number>;
  ttft: Percentiles;
  tpot: Percentiles;
  itl: Percentiles;
  e2el: Percentiles;
  /** Mean latency over every request done in the window, failed ones included (Little's law). */
  allDoneMeanMs: number;
  outputTokens: number;
  promptTokens: number;
  /** Successful requests meeting every goodput SLO. */
  goodCount: number;
  tokenSource: 'usage' | 'chunks' | 'mixed';
  maxInFlight: number;
  /** Time-averaged client in-flight count over the window. */
  meanInFlight: number;
  lagP99Ms: number;
  lagMaxMs: number;
  stopReason: string;
  requestedOutputTokens: number;
  requestedPromptTokens: number;
  /** Notes from the engine (e.g. "server rejected min_tokens"), not validity failures. */
  notes: string[];
  retried?: number;
  errorExamples?: Record<string, string>;
  promptTokensReported?: number;
}

export interface ValidityConfig {
  /** Worker event-loop delay p99 above this makes timestamps untrustworthy. */
  maxLagMs: number;
  /** Client time-averaged in-flight below this share of N: the client did not hold N users. */
  minInFlightShare: number;
  /** Little's law tolerance. */
  littleTolerance: number;
  /** Client vs server in-flight disagreement allowed: max(abs, share·N). */
  serverDisagreeAbs: number;
  serverDisagreeShare: number;
  /** Delivered output length allowed off the requested length by this share. */
  outputLengthTolerance: number;
}

export const DEFAULT_VALIDITY: ValidityConfig = {
  maxLagMs: 25,
  minInFlightShare: 0.9,
  littleTolerance: 0.1,
  serverDisagreeAbs: 2,
  serverDisagreeShare: 0.1,
  outputLengthTolerance: 0.1,
};

export interface ServerWindow {
  samples: number;
  queuedShare: number | null;
  waitingMax: number | null;
  runningMax: number | null;
  kvCacheMax: number | null;
  engine: ServerSample['engine'];
  /** Mean of running + waiting over samples that have both. */
  busyMean: number | null;
}

export function summarizeServer(samples: ServerSample[]): ServerWindow {
  const engine = samples.find((s) => s.engine !== 'unknown')?.engine ?? (samples[0]?.engine ?? 'unknown');
  const waits = samples.map((s) => s.waiting).filter((v): v is number => v !== null);
  const runs = samples.map((s) => s.running).filter((v): v is number => v !== null);
  const kvs = samples.map((s) => s.kvCache).filter((v): v is number => v !== null);
  const both = samples.filter((s) => s.running !== null && s.waiting !== null);
  return {
    samples: samples.length,
    queuedShare: waits.length ? waits.filter((w) => w > 0).length / waits.length : null,
    waitingMax: waits.length ? Math.max(...waits) : null,
    runningMax: runs.length ? Math.max(...runs) : null,
    kvCacheMax: kvs.length ? Math.max(...kvs) : null,
    engine,
    busyMean: both.length ? both.reduce((a, s) => a + s.running! + s.waiting!, 0) / both.length : null,
  };
}

/** Reasons the level's numbers cannot be taken as truth (empty when valid). */
export function validityReasons(m: LevelMeasurement, server: ServerWindow, v: ValidityConfig = DEFAULT_VALIDITY): string[] {
  const out: string[] = [];
  const N = m.concurrency;
  if (m.lagP99Ms > v.maxLagMs) out.push(`load generator event loop lagged ${m.lagP99Ms.toFixed(1)} ms (p99) — over ${v.maxLagMs} ms, timestamps are unreliable; lower the concurrency or free the CPU`);
  if (m.maxInFlight < N) out.push(`in-flight requests never reached ${N} (max ${m.maxInFlight})`);
  else if (m.measured && m.meanInFlight < v.minInFlightShare * N) out.push(`client held only ${m.meanInFlight.toFixed(1)} of ${N} requests in flight on average — the client, not the server, is the bottleneck`);
  if (!m.measured && !m.decidedInWarmup) out.push('no measured window: the level stopped during warm-up');
  const done = m.completed + m.failed;
  // Little's law: N ≈ X·R. Window edges add noise of about 1/(c·√(6N)) with c completions per
  // user, so it is judged only where that noise is under a third of the tolerance (done ≥ 12·√N at 10%).
  if (m.measured && m.windowMs > 0 && done >= (0.3 / v.littleTolerance) * 4 * Math.sqrt(N)) {
    const L = (done / (m.windowMs / 1000)) * (m.allDoneMeanMs / 1000);
    if (Math.abs(L - N) / N > v.littleTolerance) out.push(`Little's law off: throughput × latency = ${L.toFixed(2)} in flight, but ${N} users were running (${(((L - N) / N) * 100).toFixed(0)}%)`);
  }
  if (server.busyMean !== null && m.measured) {
    const allowed = Math.max(v.serverDisagreeAbs, v.serverDisagreeShare * N);
    if (Math.abs(server.busyMean - m.meanInFlight) > allowed)
      out.push(`server reports ${server.busyMean.toFixed(1)} running + waiting, client had ${m.meanInFlight.toFixed(1)} in flight — another client on the endpoint, or requests lost on the way`);
  }
  if (m.completed > 0 && m.requestedOutputTokens > 0) {
    const meanOut = m.outputTokens / m.completed;
    if (Math.abs(meanOut - m.requestedOutputTokens) / m.requestedOutputTokens > v.outputLengthTolerance)
      out.push(`server delivered ${meanOut.toFixed(1)} output tokens per request on average, ${m.requestedOutputTokens} requested (by ${m.tokenSource === 'usage' ? 'server usage' : 'chunk count'}) — output length not honoured`);
  }
  return out;
}

/** The level's full result: grades, break rules, validity. */
export function evaluateLevel(m: LevelMeasurement, samples: ServerSample[], sla: SlaConfig = DEFAULT_SLA, validity: ValidityConfig = DEFAULT_VALIDITY): LevelResult {
  const server = summarizeServer(samples);
  const done = m.completed + m.failed;
  const secs = m.windowMs / 1000;
  const rate = (x: number) => (secs > 0 ? x / secs : 0);
  const base = {
    ttft: m.ttft,
    tpot: m.tpot,
    successRate: done > 0 ? m.completed / done : 0,
    server: {
      samples: server.samples,
      queuedShare: server.queuedShare,
      waitingMax: server.waitingMax,
      runningMax: server.runningMax,
      kvCacheMax: server.kvCacheMax,
      engine: server.engine,
    },
  };
  // With nothing finished (a level stopped early on its queue) there is no success rate to judge.
  const brokeBy = breakRules(base, sla).filter((r) => r !== 'success' || done > 0);
  const invalidReasons = validityReasons(m, server, validity);
  return {
    shape: m.shape,
    concurrency: m.concurrency,
    windowMs: m.windowMs,
    completed: m.completed,
    failed: m.failed,
    errorsByClass: m.errorsByClass,
    successRate: base.successRate,
    ttft: m.ttft,
    tpot: m.tpot,
    itl: m.itl,
    e2el: m.e2el,
    reqPerS: rate(m.completed),
    outputTokPerS: rate(m.outputTokens),
    totalTokPerS: rate(m.outputTokens + m.promptTokens),
    goodput: rate(m.goodCount),
    tokenSource: m.tokenSource,
    meanOutputTokens: m.completed ? m.outputTokens / m.completed : 0,
    meanPromptTokens: m.completed ? m.promptTokens / m.completed : 0,
    server: base.server,
    valid: invalidReasons.length === 0,
    invalidReasons,
    verdict: brokeBy.length ? 'break' : 'pass',
    brokeBy,
    grades: gradeLevel(base),
    stopReason: m.stopReason,
    ...levelExtras(m),
  };
}

/**
 * The breaking point from a shape's levels. "Which rule tripped first" is the first rule (in
 * breakRules' order) at the lowest failing level.
 */
export function breakingPoint(shape: ShapeId, levels: LevelResult[], resolution?: number, resolutionShare?: number): BreakingPoint {
  const { lastPassing, firstFailing } = bracket(levels.map((l) => ({ concurrency: l.concurrency, pass: l.verdict === 'pass' })));
  const fail = firstFailing === null ? null : levels.find((l) => l.concurrency === firstFailing && l.verdict === 'break') ?? null;
  const rule = fail?.brokeBy[0] ?? null;
  return {
    shape,
    lastPassing,
    firstFailing,
    rule,
    resolution: firstFailing === null ? resolution ?? defaultResolution(lastPassing, resolutionShare) : Math.max(1, firstFailing - lastPassing),
    limitedBy: fail ? limitedBy(fail) : 'max-concurrency',
  };
}

/** What limited capacity, from the first failing level's readings. */
export function limitedBy(fail: LevelResult): BreakingPoint['limitedBy'] {
  if (fail.brokeBy.includes('success')) return 'errors';
  if (fail.server.kvCacheMax !== null && fail.server.kvCacheMax >= 0.95) return 'kv-cache';
  const rules: BreakRule[] = fail.brokeBy;
  if (rules.includes('queue') || (fail.server.waitingMax ?? 0) > 0) return 'queueing';
  if (rules.includes('ttft')) return fail.server.waitingMax === null ? 'unknown' : 'decode-speed';
  return 'unknown';
}
