// Runs a load pattern (step / spike / stress / soak) against an OpenAI-compatible endpoint: the
// pattern worker makes the load, the scraper reads the server's queue and KV cache, and windows
// over time go out as events while the run goes on. The figures at the end come from the pure
// functions in src/core/pattern-analysis.ts.
import type { EventSink } from '../core/events.ts';
import { DEFAULT_SLA, type SlaConfig } from '../core/sla.ts';
import { patternDurationMs, peakLoad, type PatternSpec } from '../core/patterns.ts';
import { summarizePool, WindowAggregator, type PatternWindow } from '../core/pattern-windows.ts';
import { buildPatternResult, type PatternResult } from '../core/pattern-result.ts';
import { stressStep } from '../core/pattern-analysis.ts';
import { resolveShape, type ShapeOverride } from '../core/workloads.ts';
import { spawnWorker } from '../util/worker.ts';
import { heapSpaces, MB, procRss, type ThreadHeap } from './bench-mem.ts';
import { GC_EVERY_MS, startPeriodicGc, type PeriodicGc } from '../util/heap.ts';
import { startScraper } from './scraper.ts';
import { redact } from './redact.ts';
import type { PatternFromWorker, PatternRunConfig, PatternToWorker, PatternWorkerInit } from './pattern-worker.ts';

export interface PatternRunOptions {
  baseUrl: string;
  model: string;
  spec: PatternSpec;
  apiKey?: string;
  shapeOverride?: ShapeOverride;
  sla?: Partial<SlaConfig>;
  /** Scrape period (default: a fifth of the window, 250 ms – 2 s). */
  scrapeMs?: number;
  requestTimeoutMs?: number;
  stallTimeoutMs?: number;
  /** Open loop: most requests in flight at once (default 4096). */
  maxInFlight?: number;
  progressMs?: number;
}

const SOURCE = 'pattern';

/** bench soak-rss only (NIMBLE_BENCH_MEM=1): where the resident set goes, on stderr every 30 s. */
function benchMemLine(t: number, w: ThreadHeap, mainGc: PeriodicGc | null): void {
  const m = process.memoryUsage();
  const f = (x: number) => x.toFixed(1);
  process.stderr.write(`nimble-mem t=${f(t / 1000)}s rss=${f(m.rss * MB)} main heapUsed=${f(m.heapUsed * MB)} heapTotal=${f(m.heapTotal * MB)} external=${f(m.external * MB)} arrayBuffers=${f(m.arrayBuffers * MB)} worker heapUsed=${f(w.heapUsed)} heapTotal=${f(w.heapTotal)} external=${f(w.external)} malloced=${f(w.malloced)} gc main ${mainGc?.count ?? 0}× max ${f(mainGc?.maxPauseMs ?? NaN)} ms worker ${w.gcs}× max ${f(w.gcMaxMs)} ms ${procRss()} | main ${heapSpaces()} | worker ${w.spaces}\n`);
}

/** Resolves with the result (aborted: true when `signal` aborted); rejects only on bad options or a worker failure. */
export async function runPattern(opts: PatternRunOptions, sink: EventSink, signal: AbortSignal): Promise<PatternResult> {
  const { spec } = opts;
  const sla: SlaConfig = { ...DEFAULT_SLA, ...(opts.sla ?? {}) };
  const shape = resolveShape(spec.shape, opts.shapeOverride);
  try {
    new URL(opts.baseUrl);
  } catch {
    throw new Error(`target "${opts.baseUrl}" is not a URL: give e.g. http://127.0.0.1:8000 (without /v1)`);
  }
  const progressMs = opts.progressMs ?? 100;
  const scrapeMs = opts.scrapeMs ?? Math.min(2000, Math.max(250, spec.windowMs / 5));
  const log = (level: 'info' | 'warn' | 'error', line: string) => sink({ type: 'log', source: SOURCE, level, line: redact(line, opts.apiKey) });
  const agg = new WindowAggregator(spec);
  const windows: PatternWindow[] = [];
  const notes: string[] = [];
  sink({ type: 'pattern.started', pattern: spec, model: opts.model, promptTokens: shape.promptTokens, outputTokens: shape.outputTokens });

  const init: PatternWorkerInit = {
    baseUrl: opts.baseUrl,
    apiKey: opts.apiKey,
    maxConnections: spec.mode === 'closed' ? peakLoad(spec) : (opts.maxInFlight ?? 4096),
    progressMs,
  };
  const worker = spawnWorker(new URL('./pattern-worker.ts', import.meta.url), { workerData: init });
  const exited = new Promise<void>((r) => worker.once('exit', () => r()));
  // As in the worker: a soak's hours must not be limited by how lazily V8 collects (src/util/heap.ts).
  const periodicGc = startPeriodicGc(GC_EVERY_MS);
  const send = (m: PatternToWorker) => {
    try {
      worker.postMessage(m);
    } catch {
      /* already gone */
    }
  };
  let startEpoch = NaN;
  const sinceStart = () => (Number.isFinite(startEpoch) ? performance.timeOrigin + performance.now() - startEpoch : -1);
  let stopped: string | null = null;
  let lastProgress = -Infinity;
  const phaseDone = new Set<string>();

  const closeUpTo = (t: number) => {
    for (const w of agg.close(t)) {
      windows.push(w);
      sink({ type: 'pattern.window', window: w });
      // Stress: judge a step when its last window closes; stop at the first break.
      const ph = spec.phases.find((p) => p.name === w.phase)!;
      if (spec.kind === 'stress' && spec.stopOnBreak && !phaseDone.has(ph.name) && w.endMs >= ph.startMs + ph.durationMs - 1e-9) {
        phaseDone.add(ph.name);
        const step = stressStep(ph.name, ph.load, windows.filter((x) => x.phase === ph.name), sla);
        if (step.broke.length && !stopped) {
          stopped = `stress broke at ${ph.load} users (${step.broke.join(', ')}): stopped there`;
          send({ type: 'stop' });
        }
      }
    }
  };

  let scraper: ReturnType<typeof startScraper> | null = null;
  const done = new Promise<number>((resolve, reject) => {
    worker.on('message', (m: PatternFromWorker) => {
      if (m.type === 'started') {
        startEpoch = m.startEpochMs;
        scraper = startScraper(opts.baseUrl, {
          apiKey: opts.apiKey,
          intervalMs: scrapeMs,
          now: sinceStart,
          onSample: (s) => {
            agg.server({ t: s.t, running: s.running, waiting: s.waiting, kv: s.kvCache });
            sink({ type: 'server.sample', sample: s });
          },
          onError: (msg) => log('warn', msg),
        });
      } else if (m.type === 'batch') {
        const b = m.b;
        for (let i = 0; i < b.sent.length; i++) agg.sent(b.sent[i]);
        for (let i = 0; i < b.firsts.length; i += 2) agg.firstToken(b.firsts[i], b.firsts[i + 1]);
        let e = 0;
        for (let i = 0; i < b.ends.length; i += 5) {
          const ok = b.ends[i + 1] === 1;
          agg.end({ t: b.ends[i], ok, errorClass: ok ? null : b.errorClasses[e++], tpot: Number.isNaN(b.ends[i + 2]) ? null : b.ends[i + 2], e2el: b.ends[i + 3], outputTokens: b.ends[i + 4] });
        }
        agg.inFlight(b.t, b.inFlight);
        if (b.mem) benchMemLine(b.t, b.mem, periodicGc);
        // A window closes once the worker's clock is a little past its end: its samples are in.
        closeUpTo(b.t - progressMs);
        // Live views only: at most twice a second, so an hour's session log stays small.
        if (b.t - lastProgress >= 500) {
          lastProgress = b.t;
          sink({ type: 'pattern.progress', t: b.t, inFlight: b.inFlight });
        }
      } else if (m.type === 'done') resolve(m.t);
    });
    worker.once('error', (err) => reject(new Error(`pattern worker failed: ${err.message}`)));
    worker.once('exit', (code) => reject(new Error(`pattern worker exited (code ${code}) during the run`)));
  });
  const onAbort = () => {
    stopped ??= 'stopped by the user';
    send({ type: 'stop' });
  };
  signal.addEventListener('abort', onAbort, { once: true });
  const cfg: PatternRunConfig = {
    mode: spec.mode,
    phases: spec.phases.map((p) => ({ startMs: p.startMs, durationMs: p.durationMs, load: p.load })),
    rampMs: spec.mode === 'closed' ? (spec.rampMs ?? 0) : 0,
    // The first window is the warm-up in every figure: its users join over it, out of lock step.
    firstRampMs: spec.mode === 'closed' ? spec.windowMs : 0,
    model: opts.model,
    promptTokens: shape.promptTokens,
    outputTokens: shape.outputTokens,
    requestTimeoutMs: opts.requestTimeoutMs ?? 120_000,
    stallTimeoutMs: opts.stallTimeoutMs ?? 30_000,
    seed: 1,
  };
  let endT: number;
  try {
    if (signal.aborted) onAbort();
    else send({ type: 'start', cfg });
    endT = signal.aborted ? 0 : await done;
  } finally {
    signal.removeEventListener('abort', onAbort);
    periodicGc?.stop();
    await (scraper as ReturnType<typeof startScraper> | null)?.stop();
    send({ type: 'stop' });
    const timer = setTimeout(() => void worker.terminate(), 1000);
    await exited;
    clearTimeout(timer);
  }
  // Windows past where the run ended (a stress stopped early, an abort) are not closed: no data.
  closeUpTo(Math.min(endT, patternDurationMs(spec)) + 1e-6);
  if (stopped) notes.push(stopped);
  if (endT < patternDurationMs(spec) - spec.windowMs && !stopped) notes.push(`run ended at ${Math.round(endT)} ms of ${patternDurationMs(spec)}`);
  const pools = { all: summarizePool(agg.all), phases: Object.fromEntries([...agg.phases].map(([k, p]) => [k, summarizePool(p)])) };
  const result = buildPatternResult(spec, windows, pools, { aborted: signal.aborted, notes, sla, durationMs: endT });
  sink({ type: 'pattern.finished', result });
  return result;
}
