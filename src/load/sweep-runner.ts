// Runs the concurrency sweep against an OpenAI-compatible endpoint: per shape, levels 1, 2, 4, …
// then a bisect, each level measured by the load worker and judged by the pure rules in
// src/core/sweep.ts; server metrics scraped alongside. Everything the views need goes out as events.
import type { EventSink } from '../core/events.ts';
import type { SessionClock } from '../core/clock.ts';
import type { BreakingPoint, Economics, LevelResult, ServerSample, ShapeId, WorkloadShape } from '../core/sweep-types.ts';
import { DEFAULT_SLA, economics, type SlaConfig } from '../core/sla.ts';
import {
  TIMING,
  DEFAULT_VALIDITY,
  breakingPoint,
  clientRefusal,
  decideLevelStop,
  levelOutcome,
  MAX_CONCURRENCY,
  evaluateLevel,
  nextLevel,
  type StopDecision,
  type ClientCost,
  type SweepTiming,
  type ValidityConfig,
} from '../core/sweep.ts';
import { usersText } from '../core/result-text.ts';
import { promptTokenMismatch, resolveShape, validPrefixCacheHit, type ShapeOverride } from '../core/workloads.ts';
import { LoadEngine, epochToPerf } from './engine.ts';
import type { LevelEngine, LevelEngineFactory } from './level-engine.ts';
import { scrapeOnce, startScraper } from './scraper.ts';
import { randomBytes } from 'node:crypto';
import { NO_METRICS_NOTE, type ServerMetricsInfo } from '../core/server-metrics.ts';
import { redact } from './redact.ts';
import type { WorkerProgress } from './protocol.ts';

export { runSmokeTest, waitForReady, resolveModel } from './smoke.ts';

export interface SweepOptions {
  /** Server root without /v1, e.g. http://127.0.0.1:8000. */
  baseUrl: string;
  model: string;
  shapes: Array<ShapeId | WorkloadShape>;
  maxConcurrency: number;
  apiKey?: string;
  gpuCount: number;
  gpuHourlyUsd: number;
  priceTable: string;
  /** quick: short windows for the simulator demo; standard (default): for real measurements. */
  timing?: 'quick' | 'standard';
  /** Overrides of the timing preset (e.g. k, minMs, maxMs, stallTimeoutMs). */
  timingOverrides?: Partial<SweepTiming>;
  /** Token counts per shape id, e.g. { coding: { outputTokens: 512 } }. */
  shapeOverrides?: Partial<Record<ShapeId, ShapeOverride>>;
  /** Bisect resolution in users (default: the timing's share of the last passing level, ≥ 1 user: 1/8 standard, 1/4 quick). */
  resolution?: number;
  sla?: Partial<SlaConfig>;
  validity?: Partial<ValidityConfig>;
  /** Force the output length with min_tokens + ignore_eos (default true). */
  forceLength?: boolean;
  /** Level-progress event period (default 250 ms, i.e. ≤ 4 Hz). */
  progressMs?: number;
  /**
   * Why the path to the server was cut during [fromEpochMs, toEpochMs] (e.g. a port-forward that
   * died and came back), or null. Such a level is marked invalid with that reason and run once more.
   */
  interruptedDuring?: (fromEpochMs: number, toEpochMs: number) => string | null;
  /** Where the load comes from: default this process's worker thread; else loader processes or pods. */
  engine?: LevelEngineFactory;
  /** Share of each prompt shared by every request of the session, for a stated prefix-cache hit ratio (default 0). */
  prefixCacheHit?: number;
  /** Test hook: block the load worker's event loop this long every 50 ms (a CPU-starved client). */
  testBlockLoopMs?: number;
}

export interface ShapeOutcome {
  shape: WorkloadShape;
  levels: LevelResult[];
  breakingPoint: BreakingPoint;
  economics: Economics | null;
}

export interface SweepOutcome {
  /** Shapes that finished, in order (an aborted shape is left out). */
  shapes: ShapeOutcome[];
  aborted: boolean;
  /** Wall time of the whole sweep, ms. */
  wallMs: number;
}

const SOURCE = 'sweep';

/**
 * Runs the sweep. Resolves (never rejects on abort) with `aborted: true` and the shapes finished so
 * far when `signal` aborts; all requests are cut and the worker ended before it resolves.
 * Rejects only on bad options or an engine failure, with a key-free message.
 */
export async function runSweep(opts: SweepOptions, sink: EventSink, clock: SessionClock, signal: AbortSignal): Promise<SweepOutcome> {
  const started = performance.now();
  const timing: SweepTiming = { ...TIMING[opts.timing ?? 'standard'], ...(opts.timingOverrides ?? {}) };
  const sla: SlaConfig = { ...DEFAULT_SLA, ...(opts.sla ?? {}) };
  const validity: ValidityConfig = { ...DEFAULT_VALIDITY, ...(opts.validity ?? {}) };
  if (!Number.isInteger(opts.maxConcurrency) || opts.maxConcurrency < 1) throw new Error(`max concurrency must be a whole number ≥ 1, got ${opts.maxConcurrency}`);
  if (opts.maxConcurrency > MAX_CONCURRENCY) throw new Error(`max concurrency ${opts.maxConcurrency} is over ${MAX_CONCURRENCY}, the most one nimble process can drive: load a bigger deployment from several machines`);
  if (!opts.model) throw new Error('no model given: pass --model or let nimble read it from GET /v1/models');
  try {
    new URL(opts.baseUrl);
  } catch {
    throw new Error(`target "${opts.baseUrl}" is not a URL: give e.g. http://127.0.0.1:8000 (without /v1)`);
  }
  const prefixCacheHit = opts.prefixCacheHit ?? 0;
  if (!validPrefixCacheHit(prefixCacheHit)) throw new Error(`prefix cache hit ratio must be a number from 0 up to (not including) 1, got ${opts.prefixCacheHit}`);
  const shapes = opts.shapes.map((s) => resolveShape(s, typeof s === 'string' ? opts.shapeOverrides?.[s] : undefined));
  const progressMs = opts.progressMs ?? 250;
  const log = (level: 'info' | 'warn' | 'error', line: string) => sink({ type: 'log', source: SOURCE, level, line: redact(line, opts.apiKey) });

  // One scrape first: whether the server's gauges exist is a fact every screen shows.
  const first = await scrapeOnce(opts.baseUrl, clock.now(), { apiKey: opts.apiKey, signal, timeoutMs: 3000 });
  const serverMetrics: ServerMetricsInfo = first.sample && first.sample.engine !== 'unknown'
    ? { available: true, engine: first.sample.engine, path: first.path, detail: `${first.path}: ${first.sample.engine} metrics` }
    : { available: false, engine: 'unknown', path: first.path, detail: redact(first.sample ? `${first.path}: no engine's queue or KV cache metrics recognised` : `no Prometheus metrics (${first.error})`, opts.apiKey) };
  const promptSalt = randomBytes(6).toString('hex');
  sink({ type: 'sweep.started', shapes: shapes.map((s) => s.id), maxConcurrency: opts.maxConcurrency, serverMetrics, workload: { prefixCacheHit, saltedPerSession: true } });
  if (!serverMetrics.available) log('warn', `${serverMetrics.detail}: ${NO_METRICS_NOTE}`);
  const outcome: SweepOutcome = { shapes: [], aborted: false, wallMs: 0 };
  if (signal.aborted) return { ...outcome, aborted: true };

  const init = { baseUrl: opts.baseUrl, apiKey: opts.apiKey, maxConnections: opts.maxConcurrency, progressMs: Math.min(progressMs, 200) };
  const engine: LevelEngine = opts.engine ? await opts.engine(init, log) : new LoadEngine(init, log);
  // Session time of an instant on this thread's performance clock (the sweep runs in real time,
  // but the clock's rate is honoured in case a caller left it changed).
  const tAt = (perfMs: number) => clock.now() - (performance.now() - perfMs) * clock.rate;
  const scraper = startScraper(opts.baseUrl, {
    apiKey: opts.apiKey,
    intervalMs: timing.scrapeMs,
    now: () => clock.now(),
    onSample: (sample) => sink({ type: 'server.sample', sample }),
    // Already said once above when the first scrape found nothing.
    onError: (msg) => (serverMetrics.available ? log('warn', msg) : undefined),
    path: first.path ?? undefined,
    engine: first.sample?.engine,
  });
  /** Scrapes since session time `from` that report a waiting count, for the early queue verdict. */
  const queueSince = (from: number) => {
    let samples = 0;
    let queued = 0;
    let first = Infinity;
    let last = -Infinity;
    const all = scraper.samples;
    for (let i = all.length - 1; i >= 0 && all[i].t >= from; i--) {
      const w = all[i].waiting;
      if (w === null) continue;
      samples++;
      if (w > 0) queued++;
      first = Math.min(first, all[i].t);
      last = Math.max(last, all[i].t);
    }
    return { samples, queued, spanMs: samples > 1 ? last - first : 0 };
  };
  let stopCurrent: ((reason: string) => void) | null = null;
  const onAbort = () => stopCurrent?.('aborted');
  signal.addEventListener('abort', onAbort, { once: true });

  try {
    for (const shape of shapes) {
      if (signal.aborted) break;
      const levels: LevelResult[] = [];
      const history: { concurrency: number; pass: boolean | null }[] = [];
      let promptChecked = false;
      /** Why the path to the server was cut during the last measured level (a port-forward lost), or null. */
      let lastCut: string | null = null;
      let clientLimit: { why: string } | null = null;
      /** The last level this client drove faithfully: its busy share, to project the next one. */
      let lastDriven: ClientCost | null = null;
      /** One level, measured and judged; null when aborted. */
      const measureLevel = async (n: number, attempt: number): Promise<LevelResult | null> => {
        sink({ type: 'level.started', shape: shape.id, concurrency: n });
        const levelStartEpoch = Date.now();
        const levelStartT = clock.now();
        let lastEmit = -Infinity;
        let windowStartT: number | null = null;
        let firstStop: StopDecision | null = null;
        // Warm-up looks back a little over queueEarlyMs (two extra scrape periods, so scrape jitter
        // cannot keep the span just short of it), and never into the previous level.
        const warmupQueueFrom = () => Math.max(levelStartT, clock.now() - timing.queueEarlyMs - 2 * timing.scrapeMs);
        const run = engine.runLevel(
          {
            shape: shape.id,
            concurrency: n,
            model: opts.model,
            promptTokens: shape.promptTokens,
            outputTokens: shape.outputTokens,
            stream: true,
            requestTimeoutMs: timing.requestTimeoutMs,
            stallTimeoutMs: timing.stallTimeoutMs,
            ttftSlaMs: sla.ttftBreakMs,
            goodput: sla.goodput,
            confidence: timing.confidence,
            forceLength: opts.forceLength ?? true,
            collectGaps: true,
            promptSalt,
            prefixCacheHit,
            testBlockLoopMs: opts.testBlockLoopMs,
          },
          (p: WorkerProgress) => {
            if (p.windowStartEpochMs !== null && windowStartT === null) windowStartT = tAt(epochToPerf(p.windowStartEpochMs));
            const d = decideLevelStop(
              { phase: p.phase, concurrency: n, elapsedMs: p.elapsedMs, measuringMs: p.measuringMs, warmupMs: p.phase === 'measuring' ? p.elapsedMs - p.measuringMs : undefined, done: p.completed + p.failed, failed: p.failed, ttft: p.ttft, queue: queueSince(p.phase === 'measuring' && windowStartT !== null ? windowStartT : warmupQueueFrom()) },
              timing,
              sla,
            );
            if (d.stop) {
              firstStop ??= d;
              run.stop(d.reason);
            }
            const t = performance.now();
            if (t - lastEmit >= progressMs || d.stop) {
              lastEmit = t;
              sink({
                type: 'level.progress',
                progress: { shape: shape.id, concurrency: n, phase: p.phase, inFlight: p.inFlight, completed: p.completed, failed: p.failed, ttftP95: p.ttftP95, elapsedMs: p.elapsedMs },
              });
            }
          },
        );
        stopCurrent = (reason) => run.stop(reason);
        if (signal.aborted) run.stop('aborted');
        const { m, windowEndEpochMs } = await run.result;
        stopCurrent = null;
        // A clear overload seen early (queue in every scrape, the TTFT p95 bound above the SLA, or
        // the failure rate clearly over the limit) is a verdict, not a missing measurement.
        const stop = firstStop as StopDecision | null; // set in the progress callback
        if (stop?.stop) {
          m.early = stop.early;
          if (stop.rule) m.stopRule = stop.rule;
          if (!m.measured && stop.early === 'above') m.decidedInWarmup = true;
        }
        if (signal.aborted) return null;
        const endT = tAt(epochToPerf(windowEndEpochMs));
        const from = m.measured && windowStartT !== null ? windowStartT : levelStartT;
        const samples = scraper.samples.filter((s) => s.t >= from && s.t <= endT);
        const result = evaluateLevel(m, samples, sla, validity);
        const cut = opts.interruptedDuring?.(levelStartEpoch, Date.now()) ?? null;
        lastCut = cut;
        if (cut) {
          // Not a verdict on the server: recorded as invalid, then measured again (once).
          result.valid = false;
          result.invalidReasons = [...result.invalidReasons, cut];
        }
        if (attempt > 1) result.attempt = attempt;
        sink({ type: 'level.finished', level: result });
        levels.push(result);
        for (const note of m.notes) log('warn', `${shape.id} @${n}: ${note}`);
        for (const [cls, example] of Object.entries(m.errorExamples ?? {})) log('warn', `${shape.id} @${n}: ${m.errorsByClass[cls] ?? 0}× ${example}`);
        if (!result.valid) log('warn', `${shape.id} @${n} INVALID: ${result.invalidReasons.join('; ')}`);
        if (engine.lost) throw new Error(`load generator failed at ${shape.id} @${n}: ${engine.lost}`);
        if (!promptChecked && m.completed > 0) {
          promptChecked = true;
          const mismatch = promptTokenMismatch(shape.promptTokens, Math.round(result.meanPromptTokens));
          if (mismatch) log('warn', `${shape.id}: ${mismatch}`);
        }
        return result;
      };
      for (;;) {
        const n = nextLevel(history, opts.maxConcurrency, opts.resolution, timing.resolutionShare, timing.growth);
        if (n === null || signal.aborted) break;
        // Before climbing: would this client stay able to drive n users? Refuse a level it would
        // drive at its limit rather than measure noise.
        const refusal = clientRefusal(lastDriven, n, validity);
        if (refusal) {
          clientLimit = { why: refusal };
          log('warn', `${shape.id}: not measuring ${usersText(n)}: ${refusal}`);
          break;
        }
        let result: LevelResult | null = null;
        for (let attempt = 1; attempt <= 2 && !signal.aborted; attempt++) {
          if (attempt === 2) {
            // An invalid client measurement (or a cut path) is re-measured once, after a short cool-down.
            if (lastCut) log('warn', `${shape.id} @${n} INVALID: ${lastCut}; running it again`);
            else log('warn', `${shape.id} @${n}: the client could not drive this level (${result!.clientLimit}); re-measuring after ${timing.coolDownMs / 1000} s`);
            await sleep(timing.coolDownMs, signal);
            if (signal.aborted) break;
          }
          const r = await measureLevel(n, attempt);
          if (!r) break;
          result = r;
          if (!lastCut && (!r.clientLimit || levelOutcome(r) !== 'inconclusive')) break;
        }
        if (!result || signal.aborted) break;
        const outcome = levelOutcome(result);
        history.push({ concurrency: n, pass: outcome === 'pass' ? true : outcome === 'break' ? false : null });
        if (result.clientLimit && outcome === 'inconclusive') {
          // Still the client after a cool-down: higher levels would only be less trustworthy.
          clientLimit = { why: `at ${usersText(n)}, ${result.clientLimit}` };
          log('warn', `${shape.id}: stopping at ${usersText(n)} — this client, not the server, is the limit (${result.clientLimit})`);
          break;
        }
        if (result.valid && Number.isFinite(result.client?.busyShare)) lastDriven = { concurrency: n, busy: result.client!.busyShare, usPerToken: result.client!.cpuUsPerToken };
        if (outcome === 'inconclusive' && result.completed === 0 && result.failed === 0) {
          // Nothing finished at all (streams that never end): more users cannot do better.
          log('warn', `${shape.id} @${n}: no request finished — stopping this shape`);
          break;
        }
      }
      if (signal.aborted) break;
      const bp = breakingPoint(shape.id, levels, opts.resolution, timing.resolutionShare, clientLimit ?? undefined);
      const lastPass = bp.lastPassing > 0 ? levels.find((l) => l.concurrency === bp.lastPassing && levelOutcome(l) === 'pass') ?? null : null;
      const econ = economics(lastPass, { gpuCount: opts.gpuCount, gpuHourlyUsd: opts.gpuHourlyUsd, priceTable: opts.priceTable });
      sink({ type: 'sweep.finished', shape: shape.id, breakingPoint: bp, economics: econ });
      outcome.shapes.push({ shape, levels, breakingPoint: bp, economics: econ });
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    await Promise.all([scraper.stop(), signal.aborted ? engine.terminate() : engine.close()]);
  }
  outcome.aborted = signal.aborted;
  outcome.wallMs = performance.now() - started;
  return outcome;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export type { ServerSample };
