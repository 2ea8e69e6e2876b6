// Pure sweep decisions: which level next, when a level has measured enough, whether a level's
// numbers can be trusted, its verdict, and the breaking point. No I/O; the runner feeds data in.
import type { BreakRule, LevelCore, LevelResult, ServerSample } from './sweep-types.ts';
import { breakRules, DEFAULT_SLA, gradeLevel, type SlaConfig } from './sla.ts';
import { levelExtras } from './workloads.ts';
import { binomialLowerBound, minSamplesForQuantile } from './stats.ts';
import { clientLimitReasons, DEFAULT_VALIDITY, summarizeServer, validityReasons, type ValidityConfig } from './validity.ts';

export * from './validity.ts';
export { answerStatus, breakingPoint, levelDecision, levelOutcome, limitedBy } from './verdict.ts';
import { levelDecision } from './verdict.ts';
import { durationText, latencyText, pctText } from './format.ts';

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
  /** Fewest failures before an early "failure rate clearly above the limit" stop. */
  minFailures: number;
  /** Pause before re-measuring a level the client could not drive (lets a CPU spike pass). */
  coolDownMs: number;
  /**
   * Longest window a level short of the 59 TTFT samples a pass needs may run to collect them (also
   * at most maxMs + warmupMaxMs); a level that cannot collect them by then stops early, inconclusive.
   */
  maxSampleMs: number;
}

/**
 * The most users one nimble process drives: beyond it one client's sockets and event loop decide
 * the numbers, not the server (and --max-concurrency 1e9 is a typo, not a plan).
 */
export const MAX_CONCURRENCY = 4096;

export const TIMING: Record<'quick' | 'standard', SweepTiming> = {
  // quick: the simulator demo. Same rules on fewer numbers: levels 1, 2, 4, … then the
  // bisect; one round of completions per level (k = 1) after the warm-up round; windows of 1–6 s;
  // a queue verdict after 1.5 s of uninterrupted queueing; bisect to 1/4 of the last passing level
  // (±25%) instead of 1/8. A pass still needs the 59 TTFT samples a p95 bound takes: windows run
  // up to 20 s for them, and a level that cannot collect them by then stops early as inconclusive.
  quick: {
    k: 1,
    minMs: 1000,
    maxMs: 20000,
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
    minFailures: 5,
    coolDownMs: 2000,
    // The demo's levels from 16 users on collect 59 samples in 2–5 rounds; 1–8 users stop early.
    maxSampleMs: 35000,
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
    minFailures: 10,
    coolDownMs: 5000,
    maxSampleMs: 150000,
  },
};

// ---------------------------------------------------------------------------------------------
// Level sequence: 1, 2, 4, … (capped at maxConcurrency), then bisect between the last pass and
// the first fail until they are within the resolution.

export interface LevelVerdict {
  concurrency: number;
  /** null: measured but inconclusive — it does not bracket the breaking point. */
  pass: boolean | null;
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
  const { lastPassing, firstFailing } = bracket(history.filter((h) => h.pass !== null));
  const tried = new Set(history.map((h) => h.concurrency));
  if (firstFailing === null) {
    // Climb from the highest level that did not break: an inconclusive level (too few samples at
    // a low level) is passed over, not taken as a pass.
    const top = Math.max(lastPassing, ...history.map((h) => h.concurrency));
    if (top >= maxConcurrency) return null;
    const next = Math.min(maxConcurrency, Math.max(1, top * growth));
    return tried.has(next) ? null : next;
  }
  if (lastPassing === 0 && firstFailing <= 1) return null; // even one user breaks
  const res = resolution ?? defaultResolution(lastPassing, resolutionShare);
  if (firstFailing - lastPassing <= Math.max(1, res)) return null;
  const mid = Math.floor((lastPassing + firstFailing) / 2);
  if (!tried.has(mid)) return mid;
  // The middle was measured but left no answer: try its nearest untried neighbour (higher first:
  // more users collect samples faster), at most twice per bracket.
  const undecidedInside = history.filter((h) => h.pass === null && h.concurrency > lastPassing && h.concurrency < firstFailing).length;
  if (undecidedInside > 2) return null;
  for (let d = 1; mid + d < firstFailing || mid - d > lastPassing; d++) {
    if (mid + d < firstFailing && !tried.has(mid + d)) return mid + d;
    if (mid - d > lastPassing && !tried.has(mid - d)) return mid - d;
  }
  return null;
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
  /** Failed requests among `done` (absent: no early error-rate verdict). */
  failed?: number;
}

export type StopDecision = { stop: false } | { stop: true; reason: string; early: 'above' | 'below' | null; rule?: BreakRule };

/** TTFT samples a level needs before its p95 can pass: a one-sided upper bound must exist. */
export function minPassSamples(timing: Pick<SweepTiming, 'confidence'>): number {
  return minSamplesForQuantile(0.95, timing.confidence);
}

export function decideLevelStop(s: LevelStatus, timing: SweepTiming, sla: SlaConfig = DEFAULT_SLA): StopDecision {
  const slaMs = sla.ttftBreakMs;
  if (timing.fixedWindowMs !== undefined) {
    if (s.phase === 'measuring' && s.measuringMs >= timing.fixedWindowMs) return { stop: true, reason: `fixed window ${durationText(timing.fixedWindowMs)}`, early: null };
    if (s.phase === 'warmup' && s.elapsedMs >= timing.warmupMaxMs) return { stop: true, reason: `warm-up did not finish within ${durationText(timing.warmupMaxMs)}`, early: null };
    return { stop: false };
  }
  const clearlyAbove = s.ttft.n >= timing.minEarlySamples && s.ttft.low > slaMs;
  // A failing target: enough failures that the failure rate is clearly over the limit — stop now
  // rather than hammer it for a whole level.
  const failed = s.failed ?? 0;
  if (failed >= timing.minFailures && binomialLowerBound(failed, s.done, timing.confidence) > 1 - sla.successBreak)
    return { stop: true, reason: `${s.phase === 'warmup' ? 'stopped in warm-up' : 'early stop'}: ${failed} of ${s.done} requests failed — failure rate clearly over ${fmtPct(1 - sla.successBreak)}`, early: 'above', rule: 'success' };
  const q = s.queue;
  const queuedThroughout = !!q && q.samples >= timing.minQueueSamples && q.queued === q.samples && q.spanMs >= timing.queueEarlyMs;
  const queueText = () => `server queue > 0 in all ${q!.samples} scrapes over ${durationText(q!.spanMs)}`;
  if (s.phase === 'warmup') {
    // Requests still waiting after the warm-up's first queueEarlyMs, in every scrape: more users
    // than the server runs at once. The burst of a level's first requests drains in a few steps.
    if (queuedThroughout && s.elapsedMs >= Math.max(timing.minMs, 2 * timing.queueEarlyMs)) return { stop: true, reason: `stopped in warm-up: ${queueText()}`, early: 'above', rule: 'queue' };
    // An overloaded level can take very long to complete N requests; its answer is already clear.
    if (clearlyAbove && s.elapsedMs >= timing.minMs) return { stop: true, reason: `stopped in warm-up: TTFT p95 clearly above ${latencyText(slaMs)} (${ciText(s, timing)})`, early: 'above', rule: 'ttft' };
    if (s.elapsedMs >= timing.warmupMaxMs) return { stop: true, reason: `warm-up did not finish within ${durationText(timing.warmupMaxMs)}`, early: null };
    return { stop: false };
  }
  if (clearlyAbove) return { stop: true, reason: `early stop: TTFT p95 clearly above ${latencyText(slaMs)} (${ciText(s, timing)})`, early: 'above', rule: 'ttft' };
  if (queuedThroughout && s.measuringMs >= timing.minMs) return { stop: true, reason: `early stop: ${queueText()}`, early: 'above', rule: 'queue' };
  // A window with nothing finished yet has no numbers: when a round of requests lasts longer than
  // maxMs (long outputs, users in step), wait for completions, up to warmupMaxMs more.
  if (s.done === 0 && s.measuringMs < timing.maxMs + timing.warmupMaxMs) return { stop: false };
  const kN = timing.k * s.concurrency;
  const enough = s.done >= kN && s.measuringMs >= timing.minMs;
  // A pass needs an upper bound on p95, which needs ≥ 59 samples (at 95%): while short of them the
  // window may run the rounds it takes to collect them (up to maxMs + warmupMaxMs).
  const need = minPassSamples(timing);
  const capMs = windowCapMs(s, timing, s.ttft.n < need ? need : undefined);
  if (enough) {
    if (s.ttft.n > 0 && s.ttft.high < slaMs) return { stop: true, reason: `TTFT p95 clearly below ${latencyText(slaMs)} (${ciText(s, timing)})`, early: 'below' };
    if (s.ttft.n === 0 && s.done > 0) return { stop: true, reason: `no successful request in ${s.done}`, early: null };
    // A level that will not collect them even by that cap stops now as inconclusive.
    if (s.ttft.n < need) {
      const warm = s.warmupMs ?? 0;
      const rate = (s.done + s.concurrency) / Math.max(1, s.measuringMs + warm); // per ms, warm-up's N included
      const expected = s.ttft.n + rate * Math.max(0, capMs - s.measuringMs);
      if (expected < need) return { stop: true, reason: `too few samples: ${s.ttft.n} TTFT so far, about ${Math.floor(expected)} by the ${durationText(capMs)} cap; p95 needs ≥ ${need}`, early: null };
    }
  }
  // Undecided: stop at maxMs once k·N requests (and the samples a pass needs) are in; when
  // requests outlast maxMs, at the k-round cap instead, so the window is not just the fastest few.
  if (s.measuringMs >= timing.maxMs && s.done >= kN && s.ttft.n >= need)
    return { stop: true, reason: `past max time ${durationText(timing.maxMs)} with k·N = ${kN} requests done, TTFT p95 undecided (${ciText(s, timing)})`, early: null };
  if (s.measuringMs >= capMs) return { stop: true, reason: `max time ${durationText(capMs)} reached, TTFT p95 undecided (${ciText(s, timing)})`, early: null };
  return { stop: false };
}

/**
 * The window's cap. A window shorter than the requests sees only the ones that finish fastest (a
 * biased sample), so where one round of requests (the warm-up's length) outlasts maxMs, the cap
 * becomes k rounds with a quarter to spare; while a level is short of the samples a pass needs,
 * the rounds it takes to collect them — never more than maxMs + warmupMaxMs.
 */
export function windowCapMs(s: Pick<LevelStatus, 'warmupMs'> & Partial<Pick<LevelStatus, 'concurrency'>>, timing: SweepTiming, needSamples?: number): number {
  if (!s.warmupMs) return timing.maxMs;
  let cap = Math.max(timing.maxMs, timing.k * s.warmupMs * 1.25);
  // Closed-loop users finish about N requests per round: the samples a pass needs take
  // ⌈need / N⌉ rounds, plus one spare (window rounds run longer than the warm-up's first).
  if (needSamples && s.concurrency) {
    const rounds = Math.ceil(needSamples / s.concurrency) + 1;
    cap = Math.max(cap, Math.min(timing.maxSampleMs ?? Infinity, rounds * s.warmupMs * 1.15));
  }
  return Math.min(timing.maxMs + timing.warmupMaxMs, cap);
}

function ciText(s: LevelStatus, timing: SweepTiming): string {
  const f = (x: number) => (Number.isFinite(x) ? latencyText(x) : x > 0 ? '∞' : '−∞');
  return `one-sided ${Math.round(timing.confidence * 100)}% bounds ${f(s.ttft.low)}–${f(s.ttft.high)}, n=${s.ttft.n}`;
}

// ---------------------------------------------------------------------------------------------
// What the load engine measured at one level (plain data from the worker).

export interface LevelMeasurement extends LevelCore {
  /** False when the level stopped in warm-up: then the stats cover the whole level. */
  measured: boolean;
  /**
   * Set by the runner when warm-up stopped on a clear overload (server queue in every scrape, or
   * the TTFT p95 lower bound above the SLA): the level is a valid break without a window.
   */
  decidedInWarmup?: boolean;
  /** Set by the runner: the stop decision's direction and rule when it stopped early. */
  early?: 'above' | 'below' | null;
  stopRule?: BreakRule;
  /** Mean latency over every request done in the window, failed ones included (Little's law). */
  allDoneMeanMs: number;
  outputTokens: number;
  promptTokens: number;
  /** Successful requests meeting every goodput SLO. */
  goodCount: number;
  maxInFlight: number;
  /** Time-averaged client in-flight count over the window. */
  meanInFlight: number;
  lagP99Ms: number;
  lagMaxMs: number;
  /** Share of the window the load worker's event loop was busy (0..1; absent from old engines). */
  clientBusyShare?: number;
  /** The worker's busy (CPU) time in the window, ms: with outputTokens, its cost per streamed token. */
  clientActiveMs?: number;
  requestedOutputTokens: number;
  requestedPromptTokens: number;
  /** Notes from the engine (e.g. "server rejected min_tokens"), not validity failures. */
  notes: string[];
  promptTokensReported?: number;
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
  // An early stop on a clear overload is that rule's verdict even before the window shows it.
  if (m.early === 'above' && m.stopRule && !brokeBy.includes(m.stopRule)) brokeBy.push(m.stopRule);
  const invalidReasons = validityReasons(m, server, validity);
  const clientReasons = clientLimitReasons(m, validity);
  const decision = levelDecision(m, brokeBy, invalidReasons, sla);
  const active = m.clientActiveMs;
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
    outcome: decision.outcome,
    outcomeWhy: decision.why,
    clientLimit: clientReasons.length ? clientReasons.join('; ') : null,
    client: { busyShare: m.clientBusyShare ?? NaN, cpuUsPerToken: active !== undefined && m.outputTokens > 0 ? (active * 1000) / m.outputTokens : null, lagP99Ms: m.lagP99Ms },
  };
}

/** Shares and latency limits in the sweep's words: the one formatter per kind (./format.ts). */
export const fmtPct = pctText;
export const fmtS = latencyText;
