// Deterministic mode only: what the simulator actually served, per token, on its own clock — each
// request's first-token time (first write − arrival) and each gap between two writes of a stream.
// The fidelity benchmark compares the load engine's percentiles with these, so the engine is held
// to what the server did rather than to a schedule the server itself missed. Same percentile
// method as the engine (core/stats.ts). Served as JSON on GET /sim/served-timing; POST
// /sim/served-timing/reset starts a new window.
import { summarize } from '../../core/stats.ts';
import type { Percentiles } from '../../core/sweep-types.ts';

/** Growable Float64 sample buffer, capped so a long run cannot grow without bound. */
class Samples {
  private buf = new Float64Array(4096);
  n = 0;
  dropped = 0;
  constructor(private readonly cap: number) {}
  push(v: number): void {
    if (this.n === this.buf.length) {
      if (this.n >= this.cap) {
        this.dropped++;
        return;
      }
      const next = new Float64Array(Math.min(this.cap, this.buf.length * 2));
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = v;
  }
  view(): Float64Array {
    return this.buf.subarray(0, this.n);
  }
}

export interface ServedTimingSnapshot {
  /** ms: first content write − request arrival, per request. */
  ttft: Percentiles;
  /** ms: gap between consecutive content writes of one stream. */
  itl: Percentiles;
  /** Samples past the cap, not in the percentiles. */
  dropped: number;
}

export class ServedTiming {
  private ttft: Samples;
  private itl: Samples;
  constructor(private readonly cap = 4_000_000) {
    this.ttft = new Samples(cap);
    this.itl = new Samples(cap);
  }
  firstToken(ms: number): void {
    this.ttft.push(ms);
  }
  gap(ms: number): void {
    this.itl.push(ms);
  }
  snapshot(): ServedTimingSnapshot {
    return { ttft: summarize(this.ttft.view()), itl: summarize(this.itl.view()), dropped: this.ttft.dropped + this.itl.dropped };
  }
  reset(): void {
    this.ttft = new Samples(this.cap);
    this.itl = new Samples(this.cap);
  }
}
