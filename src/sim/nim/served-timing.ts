// Deterministic mode only: what the simulator actually served, per token, on its own clock — each
// request's first-token time (first write − arrival) and each gap between two writes of a stream.
// The fidelity benchmark compares the load engine's percentiles with these, so the engine is held
// to what the server did rather than to a schedule the server itself missed. Same percentile
// method as the engine (core/stats.ts). Served as JSON on GET /sim/served-timing; POST
// /sim/served-timing/reset starts a new window.
import { summarize } from '../../core/stats.ts';
import type { Percentiles } from '../../core/sweep-types.ts';

export interface ServedTimingSnapshot {
  /** ms: first content write − request arrival, per request. */
  ttft: Percentiles;
  /** ms: gap between consecutive content writes of one stream. */
  itl: Percentiles;
  /** Samples past the cap, not in the percentiles. */
  dropped: number;
}

export class ServedTiming {
  // Plain number arrays, as the load worker keeps its samples; capped so a long run stays bounded.
  private ttft: number[] = [];
  private itl: number[] = [];
  private dropped = 0;
  constructor(private readonly cap = 4_000_000) {}
  firstToken(ms: number): void {
    this.add(this.ttft, ms);
  }
  gap(ms: number): void {
    this.add(this.itl, ms);
  }
  private add(to: number[], ms: number): void {
    if (to.length < this.cap) to.push(ms);
    else this.dropped++;
  }
  snapshot(): ServedTimingSnapshot {
    return { ttft: summarize(this.ttft), itl: summarize(this.itl), dropped: this.dropped };
  }
  reset(): void {
    this.ttft = [];
    this.itl = [];
    this.dropped = 0;
  }
}
