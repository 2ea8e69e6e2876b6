// Windows over time for a pattern run. Times are ms since the run started.
//
// Attribution (stated with every figure): a TTFT belongs to the window in which its first token
// arrived (when the user saw it); TPOT, end-to-end latency, completions, failures and output tokens
// to the window in which the request ended. Windows restart at each phase boundary, so no window
// mixes two loads (a phase's last window may be shorter; its length is kept).
// Per phase (and for the whole run) the raw values are kept for pooled percentiles, bounded by a
// seeded reservoir so an hour-long soak holds a fixed amount of memory.
import { createRng, type Rng } from './rng.ts';
import { quantileCI, sortNumbers, summarize } from './stats.ts';
import type { Percentiles } from './sweep-types.ts';
import type { PatternSpec } from './patterns.ts';

/** Where a window lies: its phase, the load asked for, its edges (ms since the run's start). */
export interface WindowEdge {
  phase: string;
  /** Users or requests/s the pattern asked for. */
  load: number;
  startMs: number;
  endMs: number;
}

export interface PatternWindow extends WindowEdge {
  index: number;
  /** Requests sent in the window (open loop: the arrivals; closed loop: users' next requests). */
  sent: number;
  completed: number;
  failed: number;
  errors: Record<string, number>;
  /** Requests in flight at the window's end (client side). */
  inFlight: number;
  ttft: Percentiles;
  tpot: Percentiles;
  e2el: Percentiles;
  outputTokens: number;
  reqPerS: number;
  outputTokPerS: number;
  /** Server scrapes in the window; nulls when the server reports no such gauge. */
  server: { samples: number; queuedSamples: number; waitingMax: number | null; waitingMean: number | null; runningMax: number | null; kvMax: number | null; kvMean: number | null };
}

export interface EndSample {
  t: number;
  ok: boolean;
  errorClass: string | null;
  /** ms per output token after the first; null with fewer than 2 tokens. */
  tpot: number | null;
  e2el: number;
  outputTokens: number;
}

export interface ServerPoint {
  t: number;
  running: number | null;
  waiting: number | null;
  kv: number | null;
}

/** Pooled values of a phase or of the run, bounded by a reservoir. */
export class Pool {
  readonly ttft: number[] = [];
  readonly tpot: number[] = [];
  ttftSeen = 0;
  tpotSeen = 0;
  completed = 0;
  failed = 0;
  timeouts = 0;
  errors: Record<string, number> = {};
  outputTokens = 0;
  kvMax: number | null = null;
  constructor(private readonly cap: number, private readonly rng: Rng) {}
  private keep(list: number[], seen: number, v: number): void {
    if (list.length < this.cap) list.push(v);
    else {
      const j = Math.floor(this.rng() * seen);
      if (j < this.cap) list[j] = v;
    }
  }
  addTtft(v: number): void {
    this.keep(this.ttft, ++this.ttftSeen, v);
  }
  addEnd(e: EndSample): void {
    if (!e.ok) {
      this.failed++;
      const k = e.errorClass ?? 'other';
      this.errors[k] = (this.errors[k] ?? 0) + 1;
      if (k === 'timeout' || k === 'stall') this.timeouts++;
      return;
    }
    this.completed++;
    this.outputTokens += e.outputTokens;
    if (e.tpot !== null) this.keep(this.tpot, ++this.tpotSeen, e.tpot);
  }
  addKv(kv: number | null): void {
    if (kv !== null) this.kvMax = this.kvMax === null ? kv : Math.max(this.kvMax, kv);
  }
}

export interface PoolSummary {
  ttft: Percentiles;
  tpot: Percentiles;
  /** Distribution-free 95 % CIs of the p95s (stats.ts quantileCI); ±Infinity when n is too small. */
  ttftP95Ci: { low: number; high: number };
  tpotP95Ci: { low: number; high: number };
  /** Values the percentiles come from (≤ the reservoir size) and how many were seen. */
  ttftKept: number;
  ttftSeen: number;
  completed: number;
  failed: number;
  timeouts: number;
  errors: Record<string, number>;
  successRate: number;
  outputTokens: number;
  kvMax: number | null;
}

export function summarizePool(p: Pool): PoolSummary {
  const done = p.completed + p.failed;
  const ci = (v: number[]) => {
    const c = quantileCI(sortNumbers(v), 0.95, 0.95);
    return { low: c.low, high: c.high };
  };
  return {
    ttft: summarize(p.ttft),
    tpot: summarize(p.tpot),
    ttftP95Ci: ci(p.ttft),
    tpotP95Ci: ci(p.tpot),
    ttftKept: p.ttft.length,
    ttftSeen: p.ttftSeen,
    completed: p.completed,
    failed: p.failed,
    timeouts: p.timeouts,
    errors: { ...p.errors },
    successRate: done ? p.completed / done : NaN,
    outputTokens: p.outputTokens,
    kvMax: p.kvMax,
  };
}

interface Bucket extends WindowEdge {
  index: number;
  sent: number;
  ttft: number[];
  tpot: number[];
  e2el: number[];
  completed: number;
  failed: number;
  errors: Record<string, number>;
  outputTokens: number;
  inFlight: number;
  server: ServerPoint[];
}

/** Window edges: each phase cut into windowMs pieces from its start. */
export function windowEdges(spec: Pick<PatternSpec, 'phases' | 'windowMs'>): WindowEdge[] {
  const out: WindowEdge[] = [];
  for (const p of spec.phases) {
    const end = p.startMs + p.durationMs;
    for (let s = p.startMs; s < end - 1e-9; s += spec.windowMs) out.push({ phase: p.name, load: p.load, startMs: s, endMs: Math.min(end, s + spec.windowMs) });
  }
  return out;
}

export const RESERVOIR = 20_000;

export class WindowAggregator {
  private readonly edges: ReturnType<typeof windowEdges>;
  private readonly open = new Map<number, Bucket>();
  private nextToClose = 0;
  private cursor = 0;
  readonly phases = new Map<string, Pool>();
  readonly all: Pool;

  constructor(spec: Pick<PatternSpec, 'phases' | 'windowMs'>, reservoir = RESERVOIR, seed = 1) {
    this.edges = windowEdges(spec);
    const rng = createRng(seed);
    this.all = new Pool(reservoir, rng);
    for (const p of spec.phases) if (!this.phases.has(p.name)) this.phases.set(p.name, new Pool(reservoir, rng));
  }

  get windowCount(): number {
    return this.edges.length;
  }

  /** Index of the window holding t (the last one past the end; −1 before 0). */
  private indexAt(t: number): number {
    if (t < 0) return -1;
    // Samples come roughly in time order: walk from the last position.
    let i = Math.min(this.cursor, this.edges.length - 1);
    while (i > 0 && t < this.edges[i].startMs) i--;
    while (i < this.edges.length - 1 && t >= this.edges[i].endMs) i++;
    this.cursor = i;
    return i;
  }

  private bucket(t: number): Bucket | null {
    const i = this.indexAt(t);
    if (i < this.nextToClose) return null; // already closed (a late sample): counted in the pools only
    let b = this.open.get(i);
    if (!b) {
      const e = this.edges[i];
      b = { index: i, ...e, sent: 0, ttft: [], tpot: [], e2el: [], completed: 0, failed: 0, errors: {}, outputTokens: 0, inFlight: 0, server: [] };
      this.open.set(i, b);
    }
    return b;
  }

  private pool(t: number): Pool | undefined {
    const i = Math.max(0, this.indexAt(t));
    return this.phases.get(this.edges[i].phase);
  }

  sent(t: number): void {
    const b = this.bucket(t);
    if (b) b.sent++;
  }

  firstToken(t: number, ttft: number): void {
    this.bucket(t)?.ttft.push(ttft);
    this.pool(t)?.addTtft(ttft);
    this.all.addTtft(ttft);
  }

  end(e: EndSample): void {
    const b = this.bucket(e.t);
    if (b) {
      if (e.ok) {
        b.completed++;
        b.outputTokens += e.outputTokens;
        b.e2el.push(e.e2el);
        if (e.tpot !== null) b.tpot.push(e.tpot);
      } else {
        b.failed++;
        const k = e.errorClass ?? 'other';
        b.errors[k] = (b.errors[k] ?? 0) + 1;
      }
    }
    this.pool(e.t)?.addEnd(e);
    this.all.addEnd(e);
  }

  inFlight(t: number, n: number): void {
    const b = this.bucket(t);
    if (b) b.inFlight = n;
  }

  server(s: ServerPoint): void {
    this.bucket(s.t)?.server.push(s);
    this.pool(s.t)?.addKv(s.kv);
    this.all.addKv(s.kv);
  }

  /** Closes every window that ended at or before `t` (give samples a moment to arrive first). */
  close(t: number): PatternWindow[] {
    const out: PatternWindow[] = [];
    while (this.nextToClose < this.edges.length && this.edges[this.nextToClose].endMs <= t) {
      const i = this.nextToClose++;
      const e = this.edges[i];
      const b = this.open.get(i) ?? { index: i, ...e, sent: 0, ttft: [], tpot: [], e2el: [], completed: 0, failed: 0, errors: {}, outputTokens: 0, inFlight: NaN, server: [] };
      this.open.delete(i);
      out.push(finishWindow(b));
    }
    return out;
  }
}

function stat(list: Array<number | null>, f: 'max' | 'mean'): number | null {
  const v = list.filter((x): x is number => x !== null && Number.isFinite(x));
  if (!v.length) return null;
  return f === 'max' ? Math.max(...v) : v.reduce((a, b) => a + b, 0) / v.length;
}

function finishWindow(b: Bucket): PatternWindow {
  const secs = (b.endMs - b.startMs) / 1000;
  const waits = b.server.map((s) => s.waiting);
  const known = waits.filter((w) => w !== null) as number[];
  return {
    index: b.index,
    phase: b.phase,
    load: b.load,
    startMs: b.startMs,
    endMs: b.endMs,
    sent: b.sent,
    completed: b.completed,
    failed: b.failed,
    errors: b.errors,
    inFlight: b.inFlight,
    ttft: summarize(b.ttft),
    tpot: summarize(b.tpot),
    e2el: summarize(b.e2el),
    outputTokens: b.outputTokens,
    reqPerS: secs > 0 ? b.completed / secs : NaN,
    outputTokPerS: secs > 0 ? b.outputTokens / secs : NaN,
    server: {
      samples: known.length,
      queuedSamples: known.filter((w) => w > 0).length,
      waitingMax: stat(waits, 'max'),
      waitingMean: stat(waits, 'mean'),
      runningMax: stat(b.server.map((s) => s.running), 'max'),
      kvMax: stat(b.server.map((s) => s.kv), 'max'),
      kvMean: stat(b.server.map((s) => s.kv), 'mean'),
    },
  };
}
