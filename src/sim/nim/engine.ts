// The simulated inference engine: decides when each request's tokens come out. No HTTP here —
// the server hands in jobs with two callbacks (emit a token, finished) and writes the bytes.
//
// Two engines share one interface:
// - BatchingEngine (realistic): vLLM-style continuous batching. One loop of engine steps, one
//   timer per step (never one per token or per request). A request is admitted — counted in
//   num_requests_running — at once on arrival when a slot (maxNumSeqs) is free AND the KV cache has
//   room for its prompt + max_tokens (a simplification: vLLM reserves blocks as tokens are made and
//   preempts when full; reserving up front never preempts). Otherwise it waits in a strict FIFO
//   queue (num_requests_waiting): the head blocks those behind it, as in vLLM. Admitted requests
//   are prefilled in the next step, which also decodes one token for every running request, so a
//   burst of arrivals slows everyone's next token and TTFT climbs with load.
// - FixedTimingEngine (deterministic): unlimited slots, token k of a request is due at
//   arrival + ttftMs + k × itlMs on the monotonic clock (absolute deadlines, no drift), served by
//   one timer aimed at the earliest deadline of a min-heap.
import type { NimProfile } from './profiles.ts';

export interface Job {
  readonly promptTokens: number;
  /** What the KV reservation is sized by. */
  readonly maxTokens: number;
  /** Tokens this request will produce (≤ maxTokens). */
  readonly outputTokens: number;
  /** performance.now() at arrival. */
  readonly arrival: number;
  /** Token `index` (0 = first) is out at `now`. */
  emit(index: number, now: number): void;
  /** Last token emitted; the job has left the engine. */
  finish(now: number): void;
}

/** Timer functions, injectable so tests can run the engine on virtual time. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}
const realTimers: Timers = { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as NodeJS.Timeout) };

export type SubmitResult = 'running' | 'waiting' | 'queue-full';

export interface EngineStats {
  running: number;
  waiting: number;
  /** Reserved KV tokens / capacity, 0..1. */
  kvUsage: number;
  kvReservedTokens: number;
  kvCapacityTokens: number;
  maxRunningSeen: number;
  maxWaitingSeen: number;
  /** How late the engine's timer fired behind its schedule (event-loop lag), ms. */
  timerLagMaxMs: number;
  timerLagMeanMs: number;
  steps: number;
}

export interface Engine {
  submit(job: Job): SubmitResult;
  /** Client gone (or a stall fault): drop the job wherever it is, free its slot and KV. */
  cancel(job: Job): void;
  stats(): EngineStats;
  readonly running: number;
  readonly waiting: number;
  /** Stop all timers; pending jobs are dropped without callbacks. */
  close(): void;
}

interface Slot {
  job: Job;
  prefilled: number;
  emitted: number;
  gone: boolean;
}

/** One step's plan: which slots prefill how many prompt tokens, which decode one token. Pure. */
export function planStep(
  slots: readonly { job: { promptTokens: number }; prefilled: number }[],
  p: Pick<NimProfile, 'maxBatchedTokens' | 'prefillOverheadMs' | 'prefillMsPerToken' | 'decodeBaseMs' | 'decodePerSeqMs'>,
): { prefill: Array<{ index: number; tokens: number }>; decode: number[]; durationMs: number } {
  const decode: number[] = [];
  slots.forEach((s, i) => {
    if (s.prefilled >= s.job.promptTokens) decode.push(i);
  });
  let budget = Math.max(1, p.maxBatchedTokens - decode.length);
  const prefill: Array<{ index: number; tokens: number }> = [];
  let prefillTokens = 0;
  for (let i = 0; i < slots.length && budget > 0; i++) {
    const s = slots[i];
    const left = s.job.promptTokens - s.prefilled;
    if (left <= 0) continue;
    const take = Math.min(left, budget);
    prefill.push({ index: i, tokens: take });
    prefillTokens += take;
    budget -= take;
  }
  const durationMs =
    (prefill.length ? p.prefillOverheadMs + p.prefillMsPerToken * prefillTokens : 0) +
    (decode.length ? p.decodeBaseMs + p.decodePerSeqMs * decode.length : 0);
  return { prefill, decode, durationMs };
}

// A zero-token prompt still needs its first token from a prefill step.
const promptOf = (j: Job) => Math.max(1, j.promptTokens);

export class BatchingEngine implements Engine {
  private slots: Slot[] = [];
  private queue: Slot[] = [];
  private kvReserved = 0;
  private timer: unknown = null;
  private stepEnd = 0;
  private stepPlan: { prefill: Array<{ slot: Slot; tokens: number }>; decode: Slot[] } | null = null;
  private closed = false;
  /** Inside endStep: a cancel from a callback must not start a second step. */
  private stepping = false;
  private maxRunning = 0;
  private maxWaiting = 0;
  private lagMax = 0;
  private lagSum = 0;
  private steps = 0;
  private readonly byJob = new Map<Job, Slot>();

  constructor(
    private readonly p: NimProfile,
    private readonly opts: { maxQueue?: number; now?: () => number; timers?: Timers } = {},
  ) {
    this.timers = opts.timers ?? realTimers;
  }
  private readonly timers: Timers;

  private now(): number {
    return this.opts.now ? this.opts.now() : performance.now();
  }
  get running(): number {
    return this.slots.length;
  }
  get waiting(): number {
    return this.queue.length;
  }
  private reserve(j: Job): number {
    return promptOf(j) + j.maxTokens;
  }
  private fits(j: Job): boolean {
    return this.slots.length < this.p.maxNumSeqs && this.kvReserved + this.reserve(j) <= this.p.kvCacheTokens;
  }

  submit(job: Job): SubmitResult {
    const slot: Slot = { job, prefilled: 0, emitted: 0, gone: false };
    if (this.queue.length === 0 && this.fits(job)) {
      this.admit(slot);
      this.kick();
      return 'running';
    }
    if (this.opts.maxQueue !== undefined && this.queue.length >= this.opts.maxQueue) return 'queue-full';
    this.queue.push(slot);
    this.byJob.set(job, slot);
    if (this.queue.length > this.maxWaiting) this.maxWaiting = this.queue.length;
    return 'waiting';
  }

  private admit(slot: Slot): void {
    this.slots.push(slot);
    this.byJob.set(slot.job, slot);
    this.kvReserved += this.reserve(slot.job);
    if (this.slots.length > this.maxRunning) this.maxRunning = this.slots.length;
  }

  private admitWaiting(): void {
    let n = 0;
    while (n < this.queue.length && this.fits(this.queue[n].job)) this.admit(this.queue[n++]);
    if (n) this.queue.splice(0, n);
  }

  cancel(job: Job): void {
    const slot = this.byJob.get(job);
    if (!slot || slot.gone) return;
    slot.gone = true;
    this.byJob.delete(job);
    const qi = this.queue.indexOf(slot);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      return;
    }
    this.release(slot);
    this.admitWaiting();
    this.kick();
  }

  /**
   * A slow leak (src/sim/nim/extras.ts): `tokens` of KV stay reserved for good, so the cache fills
   * and requests start to queue as a leaking server's would. Capped at 95 % of the cache, so one
   * request still fits and the server degrades rather than deadlocks.
   */
  leakKv(tokens: number): void {
    const room = Math.max(0, 0.95 * this.p.kvCacheTokens - this.kvLeaked);
    const add = Math.min(tokens, room);
    this.kvLeaked += add;
    this.kvReserved += add;
  }
  private kvLeaked = 0;

  private release(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    this.kvReserved -= this.reserve(slot.job);
  }

  /** Start a step now if the engine is idle and has work. */
  private kick(): void {
    if (this.timer || this.stepping || this.closed || !this.slots.length) return;
    this.startStep(this.now());
  }

  private startStep(start: number): void {
    const view = this.slots.map((s) => ({ job: { promptTokens: promptOf(s.job) }, prefilled: s.prefilled }));
    const plan = planStep(view, this.p);
    this.stepPlan = {
      prefill: plan.prefill.map((x) => ({ slot: this.slots[x.index], tokens: x.tokens })),
      decode: plan.decode.map((i) => this.slots[i]),
    };
    this.stepEnd = start + plan.durationMs;
    this.timer = this.timers.set(() => this.endStep(), Math.max(0, this.stepEnd - this.now()));
  }

  private endStep(): void {
    this.timer = null;
    const plan = this.stepPlan!;
    this.stepPlan = null;
    const now = this.now();
    const lag = Math.max(0, now - this.stepEnd);
    this.lagMax = Math.max(this.lagMax, lag);
    this.lagSum += lag;
    this.steps++;
    this.stepping = true;
    try {
      const done: Slot[] = [];
      for (const { slot, tokens } of plan.prefill) {
        if (slot.gone) continue;
        slot.prefilled += tokens;
        if (slot.prefilled >= promptOf(slot.job)) this.emit(slot, now, done);
      }
      for (const slot of plan.decode) if (!slot.gone) this.emit(slot, now, done);
      for (const slot of done) {
        this.release(slot);
        this.byJob.delete(slot.job);
      }
      // Finish callbacks after the books are straight, so a scrape from inside one reads true counts.
      this.admitWaiting();
      for (const slot of done) slot.job.finish(now);
    } finally {
      this.stepping = false;
    }
    if (this.closed || !this.slots.length) return;
    // Next step starts where this one ended on the engine's own schedule, so timer lateness does
    // not accumulate; if the event loop fell far behind, resynchronise rather than burst.
    this.startStep(now - this.stepEnd > 50 ? now : this.stepEnd);
  }

  private emit(slot: Slot, now: number, done: Slot[]): void {
    slot.job.emit(slot.emitted++, now);
    if (slot.gone) return; // cancelled from inside the callback (a stall fault)
    if (slot.emitted >= slot.job.outputTokens) {
      slot.gone = true;
      done.push(slot);
    }
  }

  stats(): EngineStats {
    return {
      running: this.slots.length,
      waiting: this.queue.length,
      kvUsage: Math.min(1, this.kvReserved / this.p.kvCacheTokens),
      kvReservedTokens: this.kvReserved,
      kvCapacityTokens: this.p.kvCacheTokens,
      maxRunningSeen: this.maxRunning,
      maxWaitingSeen: this.maxWaiting,
      timerLagMaxMs: this.lagMax,
      timerLagMeanMs: this.steps ? this.lagSum / this.steps : 0,
      steps: this.steps,
    };
  }

  close(): void {
    this.closed = true;
    if (this.timer) this.timers.clear(this.timer);
    this.timer = null;
    for (const s of this.slots) s.gone = true;
    for (const s of this.queue) s.gone = true;
    this.slots = [];
    this.queue = [];
    this.byJob.clear();
    this.kvReserved = 0;
    this.kvLeaked = 0;
  }
}

interface Timed {
  job: Job;
  emitted: number;
  due: number;
  /** When token 0 is due (arrival + ttftMs + any overload penalty or leak delay). */
  first: number;
  gone: boolean;
}

/**
 * Opt-in behaviours of the deterministic engine for pattern tests (src/core/patterns.ts).
 * overload: while more than `aboveRunning` requests are in the engine, and for `recoveryMs` after
 * they fall back to it, each new request's first token comes `penaltyMs` later — a server that
 * needs a known time to recover after a spike. leak: each request's first token comes
 * `ttftMsPerMin` later per minute since the engine started, and each finished request leaves
 * `kvTokensPerRequest` KV tokens behind for good — a slow leak for soak tests.
 */
export interface FixedTimingExtras {
  overload?: { aboveRunning: number; penaltyMs: number; recoveryMs: number };
  leak?: { ttftMsPerMin?: number; kvTokensPerRequest?: number };
}

export class FixedTimingEngine implements Engine {
  private heap: Timed[] = [];
  private readonly byJob = new Map<Job, Timed>();
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private closed = false;
  private maxRunning = 0;
  private lagMax = 0;
  private lagSum = 0;
  private lagN = 0;
  private steps = 0;
  private kvTokens = 0;
  private kvLeaked = 0;
  /** Overload: penalised until this instant (Infinity while overloaded). */
  private penaltyUntil = -Infinity;
  private readonly t0: number;

  constructor(
    private readonly t: { ttftMs: number; itlMs: number; kvCapacityTokens: number },
    private readonly now: () => number = () => performance.now(),
    /** Called with how late (ms) each token left, taken after its write: the server's own error. */
    private readonly onLateness?: (ms: number) => void,
    private readonly extras: FixedTimingExtras = {},
  ) {
    this.t0 = now();
  }

  /** Track the overload state after the running count changed. */
  private overloadCheck(): void {
    const o = this.extras.overload;
    if (!o) return;
    if (this.byJob.size > o.aboveRunning) this.penaltyUntil = Infinity;
    else if (this.penaltyUntil === Infinity) this.penaltyUntil = this.now() + o.recoveryMs;
  }

  private firstDelay(arrival: number): number {
    let d = this.t.ttftMs;
    const o = this.extras.overload;
    if (o && (this.byJob.size > o.aboveRunning || arrival < this.penaltyUntil)) d += o.penaltyMs;
    const leak = this.extras.leak?.ttftMsPerMin;
    if (leak) d += (leak * Math.max(0, arrival - this.t0)) / 60_000;
    return d;
  }

  get running(): number {
    return this.byJob.size;
  }
  get waiting(): number {
    return 0;
  }

  submit(job: Job): SubmitResult {
    const e: Timed = { job, emitted: 0, due: 0, first: 0, gone: false };
    this.byJob.set(job, e);
    this.overloadCheck();
    e.first = e.due = job.arrival + this.firstDelay(job.arrival);
    this.kvTokens += promptOf(job) + job.maxTokens;
    if (this.byJob.size > this.maxRunning) this.maxRunning = this.byJob.size;
    this.push(e);
    this.arm();
    return 'running';
  }

  cancel(job: Job): void {
    const e = this.byJob.get(job);
    if (!e) return;
    e.gone = true; // lazily dropped when it reaches the heap top
    this.byJob.delete(job);
    this.kvTokens -= promptOf(job) + job.maxTokens;
    this.overloadCheck();
  }

  private arm(): void {
    while (this.heap.length && this.heap[0].gone) this.pop();
    if (this.closed || !this.heap.length) return;
    const at = this.heap[0].due;
    if (this.timer && at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.floor(at - this.now())));
  }

  private fire(): void {
    this.timer = null;
    this.timerAt = Infinity;
    this.steps++;
    const now = this.now();
    const finished: Job[] = [];
    // Node timers fire on whole milliseconds and never early, so a token due within the next
    // millisecond goes now: errors then spread over about ±1 ms instead of always +1 ms.
    while (this.heap.length && this.heap[0].due <= now + 1) {
      const e = this.pop();
      if (e.gone) continue;
      const lag = Math.max(0, now - e.due);
      this.lagMax = Math.max(this.lagMax, lag);
      this.lagSum += lag;
      this.lagN++;
      e.job.emit(e.emitted++, now);
      // Later tokens of one batch are written after earlier ones: time each write on its own.
      if (this.onLateness) this.onLateness(Math.max(0, this.now() - e.due));
      if (e.gone) continue; // cancelled from inside the callback
      if (e.emitted >= e.job.outputTokens) {
        e.gone = true;
        this.byJob.delete(e.job);
        this.kvTokens -= promptOf(e.job) + e.job.maxTokens;
        this.kvLeaked += this.extras.leak?.kvTokensPerRequest ?? 0;
        finished.push(e.job);
      } else {
        e.due = e.first + e.emitted * this.t.itlMs;
        this.push(e);
      }
    }
    if (finished.length) this.overloadCheck();
    for (const j of finished) j.finish(now);
    this.arm();
  }

  private push(e: Timed): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p].due <= e.due) break;
      h[i] = h[p];
      i = p;
    }
    h[i] = e;
  }

  private pop(): Timed {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && h[r].due < h[l].due ? r : l;
        if (h[c].due >= last.due) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    return top;
  }

  stats(): EngineStats {
    return {
      running: this.byJob.size,
      waiting: 0,
      kvUsage: Math.min(1, (this.kvTokens + this.kvLeaked) / this.t.kvCapacityTokens),
      kvReservedTokens: this.kvTokens + this.kvLeaked,
      kvCapacityTokens: this.t.kvCapacityTokens,
      maxRunningSeen: this.maxRunning,
      maxWaitingSeen: 0,
      timerLagMaxMs: this.lagMax,
      timerLagMeanMs: this.lagN ? this.lagSum / this.lagN : 0,
      steps: this.steps,
    };
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const e of this.heap) e.gone = true;
    this.heap = [];
    this.byJob.clear();
  }
}
