// Overload recovery and slow leak for the realistic (batching) engine, so spike and soak runs
// can be tried against a server that misbehaves in a known way without deterministic timing.
// The deterministic engine has the same behaviours built in (FixedTimingEngine's extras).
//
// overload N:P:R — while more than N requests are in the server (running, waiting or held here),
// and for R ms after they fall back to N, each new request is held P ms before the engine sees it
// (reported as waiting): its first token comes P ms late on top of the batching delay.
// leak M:K — each request is held M ms more per minute since the server started, and each
// finished request leaves K KV tokens reserved for good (the cache fills, requests queue).
import type { BatchingEngine, Engine, EngineStats, FixedTimingExtras, Job, SubmitResult, Timers } from './engine.ts';

const realTimers: Timers = { set: (fn, ms) => setTimeout(fn, ms), clear: (h) => clearTimeout(h as NodeJS.Timeout) };

export class ExtrasEngine implements Engine {
  /** Held jobs (their timer) and the job the engine was given for each job in it. */
  private readonly held = new Map<Job, unknown>();
  private readonly inner = new Map<Job, Job>();
  private penaltyUntil = -Infinity;
  private readonly t0: number;

  constructor(
    private readonly engine: BatchingEngine,
    private readonly extras: FixedTimingExtras,
    private readonly now: () => number = () => performance.now(),
    private readonly timers: Timers = realTimers,
  ) {
    this.t0 = now();
  }

  get running(): number {
    return this.engine.running;
  }
  get waiting(): number {
    return this.engine.waiting + this.held.size;
  }
  private inServer(): number {
    return this.engine.running + this.engine.waiting + this.held.size;
  }

  private overloadCheck(): void {
    const o = this.extras.overload;
    if (!o) return;
    if (this.inServer() > o.aboveRunning) this.penaltyUntil = Infinity;
    else if (this.penaltyUntil === Infinity) this.penaltyUntil = this.now() + o.recoveryMs;
  }

  submit(job: Job): SubmitResult {
    const now = this.now();
    const o = this.extras.overload;
    // This job counts as in the server from now on.
    if (o && this.inServer() + 1 > o.aboveRunning) this.penaltyUntil = Infinity;
    let delay = o && now < this.penaltyUntil ? o.penaltyMs : 0;
    const perMin = this.extras.leak?.ttftMsPerMin ?? 0;
    delay += (perMin * Math.max(0, now - this.t0)) / 60_000;
    const kv = this.extras.leak?.kvTokensPerRequest ?? 0;
    const wrapped: Job = {
      promptTokens: job.promptTokens,
      maxTokens: job.maxTokens,
      outputTokens: job.outputTokens,
      arrival: job.arrival,
      emit: (i, t) => job.emit(i, t),
      finish: (t) => {
        this.inner.delete(job);
        if (kv) this.engine.leakKv(kv);
        this.overloadCheck();
        job.finish(t);
      },
    };
    if (delay <= 0) return this.toEngine(job, wrapped);
    this.held.set(
      job,
      this.timers.set(() => {
        this.held.delete(job);
        // Queue full by now: the client gets what a full queue gives, a cancelled stream.
        if (this.toEngine(job, wrapped) === 'queue-full') job.finish(this.now());
      }, delay),
    );
    return 'waiting';
  }

  private toEngine(job: Job, wrapped: Job): SubmitResult {
    const r = this.engine.submit(wrapped);
    if (r !== 'queue-full') this.inner.set(job, wrapped);
    this.overloadCheck();
    return r;
  }

  cancel(job: Job): void {
    const h = this.held.get(job);
    if (h !== undefined) {
      this.timers.clear(h);
      this.held.delete(job);
    } else {
      const w = this.inner.get(job);
      if (!w) return;
      this.inner.delete(job);
      this.engine.cancel(w);
    }
    this.overloadCheck();
  }

  stats(): EngineStats {
    const s = this.engine.stats();
    return { ...s, waiting: s.waiting + this.held.size, maxWaitingSeen: Math.max(s.maxWaitingSeen, this.held.size) };
  }

  close(): void {
    for (const h of this.held.values()) this.timers.clear(h);
    this.held.clear();
    this.inner.clear();
    this.engine.close();
  }
}
