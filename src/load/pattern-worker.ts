// The pattern load worker: drives load that changes over time. Closed loop: the pattern's user
// count at each moment (a user sends its next request when the last one ends; surplus users
// leave after their current request, never cut). Open loop: arrivals at the pattern's rate
// (Poisson, seeded), sent whatever the server does, so a slow server builds a queue as with real
// users. Reports first tokens and ends in small batches; holds no per-request history.
import { parentPort, workerData } from 'node:worker_threads';
import { setMaxListeners } from 'node:events';
import { threadHeap, type ThreadHeap } from './bench-mem.ts';
import { GC_EVERY_MS, startPeriodicGc } from '../util/heap.ts';
import { Pool } from 'undici';
import { buildPrompt } from '../core/workloads.ts';
import { createRng } from '../core/rng.ts';
import { chatHeaders, sendChat } from './request.ts';

export interface PatternWorkerInit {
  baseUrl: string;
  apiKey?: string;
  /** Closed loop: the peak user count; open loop: the in-flight cap (arrivals beyond it fail as client_overflow). */
  maxConnections: number;
  progressMs: number;
}

export interface PatternRunConfig {
  mode: 'closed' | 'open';
  phases: Array<{ startMs: number; durationMs: number; load: number }>;
  /** Closed loop: users a phase adds join evenly over this many ms. */
  rampMs: number;
  /** Closed loop: the first phase's users join evenly over this many ms (they would stay in lock step). */
  firstRampMs: number;
  model: string;
  promptTokens: number;
  outputTokens: number;
  requestTimeoutMs: number;
  stallTimeoutMs: number;
  seed: number;
}

/** Times are ms since the run started (the worker's clock). */
export interface PatternBatch {
  /** [t, ttft] pairs. */
  firsts: number[];
  /** [t, ok 1|0, tpot (NaN: none), e2el, outputTokens] per end, and the error class per failure. */
  ends: number[];
  errorClasses: string[];
  sent: number[];
  inFlight: number;
  t: number;
  /** bench soak-rss only (NIMBLE_BENCH_MEM=1): this thread's heap, MB, every 30 s. */
  mem?: ThreadHeap;
}

export type PatternToWorker = { type: 'start'; cfg: PatternRunConfig } | { type: 'stop' };
export type PatternFromWorker =
  | { type: 'started'; startEpochMs: number }
  | { type: 'batch'; b: PatternBatch }
  | { type: 'done'; t: number; lagNote?: string };

const init = workerData as PatternWorkerInit;
const port = parentPort!;
const post = (m: PatternFromWorker) => port.postMessage(m);
const now = () => performance.now();
const base = new URL(init.baseUrl);
const prefix = base.pathname.replace(/\/+$/, '');
const pool = new Pool(base.origin, { connections: Math.max(1, init.maxConnections), pipelining: 1, keepAliveTimeout: 30_000 });
const headers = chatHeaders(init.apiKey);

let cfg: PatternRunConfig;
let t0 = 0;
let active = false;
const ac = new AbortController();
setMaxListeners(0, ac.signal);
let inFlight = 0;
let counter = 0;
let promptBody = '';
let batch: PatternBatch = { firsts: [], ends: [], errorClasses: [], sent: [], inFlight: 0, t: 0 };
/** Closed loop: users[i] true while user i should keep going. */
const users: boolean[] = [];
let total = 0;

function bodyFor(prompt: string): string {
  return JSON.stringify({
    model: cfg.model,
    messages: [{ role: 'user', content: prompt }],
    max_tokens: cfg.outputTokens,
    stream: true,
    stream_options: { include_usage: true },
    min_tokens: cfg.outputTokens,
    ignore_eos: true,
  });
}

function loadAt(t: number): number {
  for (let i = cfg.phases.length - 1; i >= 0; i--) if (t >= cfg.phases[i].startMs) return cfg.phases[i].load;
  return cfg.phases[0].load;
}

/** Closed-loop users wanted at t: a phase's added users join evenly over rampMs. */
function usersAt(t: number): number {
  let i = cfg.phases.length - 1;
  while (i > 0 && t < cfg.phases[i].startMs) i--;
  const p = cfg.phases[i];
  const prev = i > 0 ? cfg.phases[i - 1].load : 0;
  const ramp = i === 0 ? Math.max(cfg.rampMs, cfg.firstRampMs) : cfg.rampMs;
  if (p.load <= prev || ramp <= 0) return p.load;
  return Math.min(p.load, prev + Math.ceil(((p.load - prev) * (t - p.startMs + 1)) / ramp));
}

/** Closed loop: a user whose request failed waits this long before the next (no hot spin on a dead server). */
const FAILURE_PAUSE_MS = 100;

async function one(user: number): Promise<boolean> {
  const start = now();
  batch.sent.push(start - t0);
  inFlight++;
  const rec = await sendChat(pool, {
    path: `${prefix}/v1/chat/completions`,
    headers,
    body: bodyFor(`u${user}r${counter++} ${promptBody}`),
    stream: true,
    signal: ac.signal,
    requestTimeoutMs: cfg.requestTimeoutMs,
    stallTimeoutMs: cfg.stallTimeoutMs,
    now,
    collectGaps: false,
    // Reported when it comes, not when the request ends: a window closes a moment after its end,
    // and a queued request's long TTFT belongs to the window in which the user saw it.
    onFirstToken: (t) => void (active && batch.firsts.push(t - t0, t - start)),
  });
  inFlight--;
  if (!active || rec.errorClass === 'aborted') return true; // cut at the end of the run: outside it
  const ttft = rec.firstToken !== null ? rec.firstToken - rec.start : 0;
  const lat = rec.end - rec.start;
  const tpot = rec.ok && rec.outputTokens > 1 ? (lat - ttft) / (rec.outputTokens - 1) : NaN;
  batch.ends.push(rec.end - t0, rec.ok ? 1 : 0, tpot, lat, rec.ok ? rec.outputTokens : 0);
  if (!rec.ok) batch.errorClasses.push(rec.errorClass ?? 'other');
  return rec.ok;
}

/** Users whose loop is alive (a retiring user stays here until its last request ends). */
const live = new Set<number>();
async function user(i: number): Promise<void> {
  live.add(i);
  try {
    while (active && users[i]) {
      if (!(await one(i))) await new Promise((r) => setTimeout(r, FAILURE_PAUSE_MS));
    }
  } finally {
    live.delete(i);
  }
}

function controlClosed(t: number): void {
  const want = usersAt(t);
  for (let i = 0; i < Math.max(want, users.length); i++) {
    users[i] = i < want;
    // A retiring user told to stay before its request ended simply carries on.
    if (users[i] && !live.has(i)) void user(i);
  }
}

let nextArrival = 0;
const rng = createRng(1);
function controlOpen(t: number): void {
  // Poisson arrivals: exponential gaps at the rate of the moment each gap starts.
  while (nextArrival <= t && nextArrival < total) {
    const at = nextArrival;
    const rate = loadAt(at);
    nextArrival = at + (-Math.log(1 - rng()) / rate) * 1000;
    if (inFlight >= init.maxConnections) {
      batch.sent.push(at);
      batch.ends.push(at, 0, NaN, 0, 0);
      batch.errorClasses.push('client_overflow');
      continue;
    }
    void one(counter);
  }
}

const benchMem = process.env.NIMBLE_BENCH_MEM === '1';
let lastMem = 0;
function flush(): void {
  if (benchMem && now() - lastMem >= 30_000) {
    lastMem = now();
    batch.mem = threadHeap(periodicGc);
  }
  batch.inFlight = inFlight;
  batch.t = now() - t0;
  post({ type: 'batch', b: batch });
  batch = { firsts: [], ends: [], errorClasses: [], sent: [], inFlight: 0, t: 0 };
}

let control: NodeJS.Timeout | null = null;
let reporter: NodeJS.Timeout | null = null;
// A pattern can run for hours (a soak): a full collection every GC_EVERY_MS keeps this thread's heap
// at its live data (src/util/heap.ts). Its pause (≤ ~20 ms measured) delays only the tokens that
// arrive during it.
const periodicGc = startPeriodicGc(GC_EVERY_MS, now);

function start(c: PatternRunConfig): void {
  cfg = c;
  const last = c.phases[c.phases.length - 1];
  total = last.startMs + last.durationMs;
  promptBody = buildPrompt(Math.max(1, c.promptTokens - 1), c.seed);
  active = true;
  t0 = now();
  post({ type: 'started', startEpochMs: performance.timeOrigin + t0 });
  const tick = () => {
    const t = now() - t0;
    if (t >= total) return finish();
    if (cfg.mode === 'closed') controlClosed(t);
    else controlOpen(t);
  };
  tick();
  control = setInterval(tick, 5);
  reporter = setInterval(flush, init.progressMs);
}

function finish(): void {
  if (!active) return;
  const t = now() - t0;
  flush();
  active = false;
  if (control) clearInterval(control);
  if (reporter) clearInterval(reporter);
  ac.abort();
  post({ type: 'done', t });
}

port.on('message', (m: PatternToWorker) => {
  if (m.type === 'start') start(m.cfg);
  else if (m.type === 'stop') {
    finish();
    void pool.destroy().finally(() => port.close());
  }
});
