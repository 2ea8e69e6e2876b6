// The load worker: runs N closed-loop virtual users against the server, timestamps with this
// thread's monotonic clock, aggregates, and reports a few times a second. Runs in its own thread
// so the UI's rendering never delays a timestamp. Read workerData, not process.argv.
import { parentPort, workerData } from 'node:worker_threads';
import { monitorEventLoopDelay, performance as perf, type EventLoopUtilization } from 'node:perf_hooks';
import { setMaxListeners } from 'node:events';
import { Pool } from 'undici';
import { meetsGoodput } from '../core/sla.ts';
import { quantileCI, quantileSorted, sortNumbers, summarize, mean } from '../core/stats.ts';
import type { LevelMeasurement } from '../core/sweep.ts';
import { levelPrompts, requestPrompt, type LevelPrompts } from '../core/workloads.ts';
import type { FromWorker, LevelConfig, ProgressSamples, ToWorker, WorkerInit } from './protocol.ts';
import { chatHeaders, sendChat, type RequestRecord } from './request.ts';

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);
const now = () => performance.now();

const base = new URL(init.baseUrl);
const prefix = base.pathname.replace(/\/+$/, '');
const pool = new Pool(base.origin, { connections: Math.max(1, init.maxConnections), pipelining: 1, keepAliveTimeout: 30_000 });
// Retries after a reset before any response byte go on fresh connections (pipelining 0 = no
// keep-alive): llama-server drops a kept-alive connection after two answers while advertising
// max=100, and every idle connection of the pool may be such a one.
const retryPool = new Pool(base.origin, { connections: Math.max(1, init.maxConnections), pipelining: 0 });
const headers = chatHeaders(init.apiKey);
// The histogram records each timer's whole delay, resolution included: lateness = value − resolution.
const LAG_RES_MS = 5;
const lag = monitorEventLoopDelay({ resolution: LAG_RES_MS });
const lateness = (ns: number) => Math.max(0, ns / 1e6 - LAG_RES_MS);
lag.enable();

/** 0: stream_options + min_tokens + ignore_eos; 1: without min_tokens/ignore_eos; 2: plain. */
let extras = 0;

class Acc {
  ttft: number[] = [];
  tpot: number[] = [];
  e2el: number[] = [];
  itl: number[] = [];
  outTok = 0;
  promptTok = 0;
  completed = 0;
  failed = 0;
  errors: Record<string, number> = {};
  good = 0;
  usage = 0;
  chunks = 0;
  allDoneLatSum = 0;
  retried = 0;
  promptReported = 0;
  /** First detail per error class (the server's reason), at most 8 classes. */
  examples: Record<string, string> = {};

  add(r: RequestRecord, cfg: LevelConfig): void {
    const lat = r.end - r.start;
    this.allDoneLatSum += lat;
    if (r.retried) this.retried++;
    if (!r.ok) {
      this.failed++;
      const k = r.errorClass ?? 'other';
      this.errors[k] = (this.errors[k] ?? 0) + 1;
      if (!(k in this.examples) && Object.keys(this.examples).length < 8 && r.errorDetail && r.errorDetail !== k) this.examples[k] = r.errorDetail;
      return;
    }
    if (r.promptTokens !== null) this.promptReported++;
    this.completed++;
    const ttft = r.firstToken! - r.start;
    this.ttft.push(ttft);
    this.e2el.push(lat);
    const tpot = r.outputTokens > 1 ? (lat - ttft) / (r.outputTokens - 1) : null;
    if (tpot !== null) this.tpot.push(tpot);
    if (r.gaps) for (let i = 0; i < r.gaps.length; i++) this.itl.push(r.gaps[i]);
    this.outTok += r.outputTokens;
    this.promptTok += r.promptTokens ?? cfg.promptTokens;
    if (r.tokenSource === 'usage') this.usage++;
    else this.chunks++;
    if (meetsGoodput({ ttftMs: ttft, tpotMs: tpot, e2elMs: lat }, { ttftBreakMs: 0, queuedShareBreak: 0, successBreak: 0, goodput: cfg.goodput })) this.good++;
  }
}

interface Active {
  start: number;
  gotFirst: boolean;
  /** One of the level's first N requests, sent all at once: their TTFT is the ramp, not the level. */
  burst: boolean;
}

interface Level {
  cfg: LevelConfig;
  active: boolean;
  ac: AbortController;
  start: number;
  windowStart: number | null;
  all: Acc;
  win: Acc;
  doneSinceStart: number;
  inFlight: number;
  maxInFlight: number;
  areaStart: number; // last in-flight change (for the time average)
  area: number;
  requests: Set<Active>;
  counter: number;
  notes: string[];
  /** Warm-up TTFTs of requests sent after the initial burst (for an early overload verdict). */
  steadyTtft: number[];
  ticker: NodeJS.Timeout;
  prompts: LevelPrompts;
  /** exportSamples: which TTFT list was last sent and how much of it. */
  sent: { set: 'steady' | 'window'; n: number };
  /** Event-loop utilisation at the window's start (the worker's own busy time, per thread). */
  elu: EventLoopUtilization;
  /** Test hook: a timer that blocks this thread (cfg.testBlockLoopMs). */
  blocker: NodeJS.Timeout | null;
}

let level: Level | null = null;

function bodyFor(cfg: LevelConfig, prompt: string): string {
  const b: Record<string, unknown> = {
    model: cfg.model,
    messages: [{ role: 'user', content: prompt }],
    max_tokens: cfg.outputTokens,
    stream: cfg.stream,
  };
  if (cfg.stream && extras < 2) b.stream_options = { include_usage: true };
  if (cfg.forceLength && extras < 1) {
    b.min_tokens = cfg.outputTokens;
    b.ignore_eos = true;
  }
  return JSON.stringify(b);
}

function setInFlight(l: Level, delta: number): void {
  const t = now();
  if (l.windowStart !== null) l.area += l.inFlight * (t - l.areaStart);
  l.areaStart = t;
  l.inFlight += delta;
  if (l.inFlight > l.maxInFlight) l.maxInFlight = l.inFlight;
}

function pause(l: Level, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    l.ac.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}

async function runUser(l: Level, user: number): Promise<void> {
  const delay = ((l.cfg.startSpreadMs ?? 0) * user) / l.cfg.concurrency;
  if (delay > 0) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, delay);
      l.ac.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
  }
  let storm = 0; // consecutive 5xx/429 answers for this user
  while (l.active) {
    // Salted per session, marked per request: a prefix cache gets only the share asked for.
    const burst = l.counter < l.cfg.concurrency;
    const prompt = requestPrompt(l.prompts, l.cfg.id, (l.cfg.userOffset ?? 0) + user, l.counter++);
    const sentExtras = extras;
    const a: Active = { start: now(), gotFirst: false, burst };
    l.requests.add(a);
    setInFlight(l, +1);
    const rec = await sendChat(pool, {
      path: `${prefix}/v1/chat/completions`,
      headers,
      body: bodyFor(l.cfg, prompt),
      stream: l.cfg.stream,
      signal: l.ac.signal,
      requestTimeoutMs: l.cfg.requestTimeoutMs,
      stallTimeoutMs: l.cfg.stallTimeoutMs,
      now,
      collectGaps: l.cfg.collectGaps,
      retryDispatcher: retryPool,
      // A chunk holds at least one token: 4× max_tokens (+ slack) is already a broken server.
      maxChunks: 4 * l.cfg.outputTokens + 64,
      onFirstToken: () => (a.gotFirst = true),
    });
    l.requests.delete(a);
    if (!l.active) return; // the level ended: this request was cut short, never counted
    setInFlight(l, -1);
    if (rec.status === 400 && sentExtras < 2 && /min_tokens|ignore_eos|stream_options|extra|unrecognized|not permitted|unknown/i.test(rec.body400 ?? '')) {
      // The server refuses an optional field: drop it for everyone and retry, once per step.
      if (extras === sentExtras) {
        extras++;
        const what = extras === 1 ? 'min_tokens/ignore_eos (output length is not forced)' : 'stream_options.include_usage (output tokens counted from chunks)';
        l.notes.push(`server rejected ${what}`);
        post({ type: 'log', level: 'warn', line: `server answered 400 to ${what.split(' ')[0]}; continuing without it` });
      }
      continue;
    }
    l.doneSinceStart++;
    l.all.add(rec, l.cfg);
    // A server answering 5xx/429 at once would be hammered in a tight loop (and so would this
    // thread): back off 10 ms, 20 ms, … up to 1 s per user until it answers again.
    storm = !rec.ok && rec.status !== null && (rec.status >= 500 || rec.status === 429) ? storm + 1 : 0;
    if (storm > 0) await pause(l, Math.min(1000, 10 * 2 ** (storm - 1)));
    if (l.windowStart === null && !burst && rec.ok) l.steadyTtft.push(rec.firstToken! - rec.start);
    if (l.windowStart !== null) l.win.add(rec, l.cfg);
    else if (l.maxInFlight >= l.cfg.concurrency && l.doneSinceStart >= l.cfg.concurrency) {
      // Warm-up over: N were in flight and N have finished. Measure from here.
      l.windowStart = now();
      l.areaStart = l.windowStart;
      l.area = 0;
      l.elu = perf.eventLoopUtilization();
      lag.reset();
    }
  }
}

function ttftSamples(l: Level): Float64Array {
  const warm = l.windowStart === null;
  const t = now();
  // In warm-up only requests sent after the initial burst count: the burst's TTFT is the ramp.
  const vals = warm ? l.steadyTtft.slice() : l.win.ttft.slice();
  // In-flight requests already waiting longer than the SLA for a first token are certain
  // violations: counted at their age (a lower bound of their TTFT), so an overloaded level shows.
  for (const a of l.requests) {
    if (!a.gotFirst && !(warm && a.burst) && t - a.start > l.cfg.ttftSlaMs) vals.push(t - a.start);
  }
  return sortNumbers(vals);
}

function progress(l: Level): void {
  const sorted = ttftSamples(l);
  // Two-sided interval at 2c − 1 = one-sided bounds at c each (each stop decision is one-sided).
  const ci = quantileCI(sorted, 0.95, 2 * l.cfg.confidence - 1);
  const acc = l.windowStart !== null ? l.win : l.all;
  const done = sortNumbers(acc.ttft);
  const t = now();
  post({
    type: 'progress',
    p: {
      id: l.cfg.id,
      phase: l.windowStart !== null ? 'measuring' : 'warmup',
      inFlight: l.inFlight,
      maxInFlight: l.maxInFlight,
      completed: acc.completed,
      failed: acc.failed,
      ttftP95: done.length ? quantileSorted(done, 0.95) : null,
      ttft: { n: sorted.length, low: ci.low, high: ci.high, max: sorted.length ? sorted[sorted.length - 1] : 0 },
      elapsedMs: t - l.start,
      measuringMs: l.windowStart !== null ? t - l.windowStart : 0,
      windowStartEpochMs: l.windowStart !== null ? performance.timeOrigin + l.windowStart : null,
      lagP99Ms: lag.count > 0 ? lateness(lag.percentile(99)) : 0,
      samples: l.cfg.exportSamples ? samplesDelta(l, t) : undefined,
    },
  });
}

function samplesDelta(l: Level, t: number): ProgressSamples {
  const set = l.windowStart !== null ? 'window' : 'steady';
  const src = set === 'window' ? l.win.ttft : l.steadyTtft;
  if (l.sent.set !== set) l.sent = { set, n: 0 };
  const from = l.sent.n;
  l.sent.n = src.length;
  const overSla: number[] = [];
  for (const a of l.requests) if (!a.gotFirst && !(set === 'steady' && a.burst) && t - a.start > l.cfg.ttftSlaMs) overSla.push(t - a.start);
  return { set, from, ttft: src.slice(from), overSla };
}

function startLevel(cfg: LevelConfig): void {
  if (level) stopLevel(level, 'replaced');
  const ac = new AbortController();
  setMaxListeners(0, ac.signal); // one listener per in-flight request, by design
  lag.reset();
  const t = now();
  const l: Level = {
    cfg,
    active: true,
    ac,
    start: t,
    windowStart: null,
    all: new Acc(),
    win: new Acc(),
    doneSinceStart: 0,
    inFlight: 0,
    maxInFlight: 0,
    areaStart: t,
    area: 0,
    requests: new Set(),
    counter: 0,
    steadyTtft: [],
    notes: extras > 0 ? [extras === 1 ? 'server rejects min_tokens/ignore_eos' : 'server rejects stream_options'] : [],
    ticker: setInterval(() => progress(l), init.progressMs),
    prompts: levelPrompts(cfg.promptTokens, { salt: cfg.promptSalt ?? 'nimble', prefixCacheHit: cfg.prefixCacheHit ?? 0 }, cfg.id),
    sent: { set: 'steady', n: 0 },
    elu: perf.eventLoopUtilization(),
    blocker: cfg.testBlockLoopMs ? setInterval(() => busyWait(cfg.testBlockLoopMs!), 50) : null,
  };
  level = l;
  for (let u = 0; u < cfg.concurrency; u++) void runUser(l, u);
}

/** Test hook: hold the thread as a CPU-starved machine would (scripts/test-under-load.sh, deterministic). */
function busyWait(ms: number): void {
  const end = now() + ms;
  while (now() < end) {
    /* spin */
  }
}

function stopLevel(l: Level, reason: string): void {
  if (!l.active) return;
  const t = now();
  if (l.windowStart !== null) l.area += l.inFlight * (t - l.areaStart);
  l.active = false;
  clearInterval(l.ticker);
  if (l.blocker) clearInterval(l.blocker);
  const elu = perf.eventLoopUtilization(l.elu);
  l.ac.abort(); // cut every in-flight request: they are outside the window
  if (level === l) level = null;
  const measured = l.windowStart !== null;
  const acc = measured ? l.win : l.all;
  const windowMs = measured ? t - l.windowStart! : t - l.start;
  const total = acc.usage + acc.chunks;
  const m: LevelMeasurement = {
    shape: l.cfg.shape,
    concurrency: l.cfg.concurrency,
    measured,
    windowMs,
    completed: acc.completed,
    failed: acc.failed,
    errorsByClass: acc.errors,
    ttft: summarize(acc.ttft),
    tpot: summarize(acc.tpot),
    itl: summarize(acc.itl),
    e2el: summarize(acc.e2el),
    allDoneMeanMs: acc.completed + acc.failed ? acc.allDoneLatSum / (acc.completed + acc.failed) : 0,
    outputTokens: acc.outTok,
    promptTokens: acc.promptTok,
    goodCount: acc.good,
    tokenSource: total === 0 || acc.usage === total ? 'usage' : acc.chunks === total ? 'chunks' : 'mixed',
    maxInFlight: l.maxInFlight,
    meanInFlight: measured && windowMs > 0 ? l.area / windowMs : mean([l.inFlight]),
    lagP99Ms: lag.count > 0 ? lateness(lag.percentile(99)) : 0,
    lagMaxMs: lag.count > 0 ? lateness(lag.max) : 0,
    clientBusyShare: elu.utilization,
    clientActiveMs: elu.active,
    stopReason: reason,
    requestedOutputTokens: l.cfg.forceLength ? l.cfg.outputTokens : 0,
    requestedPromptTokens: l.cfg.promptTokens,
    notes: acc.retried ? [...l.notes, `${acc.retried} request${acc.retried === 1 ? '' : 's'} sent again after the connection was reset before any response byte (counted, not failures)`] : l.notes,
    retried: acc.retried,
    errorExamples: acc.examples,
    promptTokensReported: acc.promptReported,
  };
  const samples = l.cfg.exportSamples ? { ttft: acc.ttft, tpot: acc.tpot, e2el: acc.e2el, itl: acc.itl } : undefined;
  post({ type: 'measured', id: l.cfg.id, m, windowEndEpochMs: performance.timeOrigin + t, samples });
}

port.on('message', (msg: ToWorker) => {
  if (msg.type === 'level') startLevel(msg.cfg);
  else if (msg.type === 'stop') {
    if (level && level.cfg.id === msg.id) stopLevel(level, msg.reason);
  } else if (msg.type === 'close') {
    if (level) stopLevel(level, 'closed');
    lag.disable();
    void Promise.all([pool.destroy(), retryPool.destroy()]).finally(() => {
      post({ type: 'closed' });
      port.close();
    });
  }
});
