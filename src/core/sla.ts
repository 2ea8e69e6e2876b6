// SLA grades, break rules, goodput SLOs and economics (seed 001; targets-and-prices.md §2).
// Pure functions over measured numbers.
import type { BreakRule, Economics, Grade, LevelResult, Percentiles } from './sweep-types.ts';

export interface SlaConfig {
  /** Break when TTFT p95 exceeds this (ms). */
  ttftBreakMs: number;
  /** Break when the server queue is > 0 in more than this share of the window's samples ("most"). */
  queuedShareBreak: number;
  /** Break when the success rate falls below this. */
  successBreak: number;
  /** Goodput SLOs: a request counts when it meets every one that is set. */
  goodput: { ttftMs: number; tpotMs: number; e2elMs: number | null };
}

export const DEFAULT_SLA: SlaConfig = {
  ttftBreakMs: 2000,
  queuedShareBreak: 0.5,
  successBreak: 0.95,
  goodput: { ttftMs: 2000, tpotMs: 100, e2elMs: null }, // 100 ms/token = 10 tok/s, seed 001's floor
};

// Seed 001 thresholds. Values between "acceptable" and "break" grade as degraded.
export function gradeTtft(ttftP95Ms: number): Grade {
  if (!(ttftP95Ms >= 0)) return 'degraded';
  if (ttftP95Ms < 200) return 'excellent';
  if (ttftP95Ms < 800) return 'acceptable';
  return 'degraded';
}

/** Per-user output speed in tok/s (1000 / TPOT ms). */
export function gradeOutputSpeed(tokPerS: number): Grade {
  if (!(tokPerS >= 0)) return 'degraded';
  if (tokPerS > 50) return 'excellent';
  if (tokPerS > 20) return 'acceptable';
  return 'degraded';
}

/** KV cache use 0..1; null (unknown) stays null. */
export function gradeKvCache(use: number | null): Grade | null {
  if (use === null || !Number.isFinite(use)) return null;
  if (use < 0.7) return 'excellent';
  if (use <= 0.9) return 'acceptable';
  return 'degraded';
}

export function gradeSuccess(rate: number): Grade {
  if (rate >= 1) return 'excellent';
  if (rate >= 0.99) return 'acceptable';
  return 'degraded';
}

/** Per-user output speed from TPOT: the slowest 5% of users (TPOT p95) set the grade. */
export function outputSpeedFromTpot(tpot: Percentiles): number {
  return tpot.n > 0 && tpot.p95 > 0 ? 1000 / tpot.p95 : NaN;
}

export function gradeLevel(l: Pick<LevelResult, 'ttft' | 'tpot' | 'successRate' | 'server'>): LevelResult['grades'] {
  return {
    ttft: l.ttft.n ? gradeTtft(l.ttft.p95) : 'degraded',
    outputSpeed: gradeOutputSpeed(outputSpeedFromTpot(l.tpot)),
    kvCache: gradeKvCache(l.server.kvCacheMax),
    success: gradeSuccess(l.successRate),
  };
}

/**
 * Break rules, in the order they are reported: the queue comes first because queueing is what
 * drives TTFT up — when both trip at one level the queue is the cause.
 */
export function breakRules(
  l: Pick<LevelResult, 'ttft' | 'successRate' | 'server'>,
  sla: SlaConfig = DEFAULT_SLA,
): BreakRule[] {
  const out: BreakRule[] = [];
  if (l.server.queuedShare !== null && l.server.samples > 0 && l.server.queuedShare > sla.queuedShareBreak) out.push('queue');
  // No successful request means no TTFT at all: that is the success rule's business.
  if (l.ttft.n > 0 && l.ttft.p95 > sla.ttftBreakMs) out.push('ttft');
  if (l.successRate < sla.successBreak) out.push('success');
  return out;
}

export function meetsGoodput(r: { ttftMs: number; tpotMs: number | null; e2elMs: number }, sla: SlaConfig = DEFAULT_SLA): boolean {
  const g = sla.goodput;
  if (r.ttftMs > g.ttftMs) return false;
  if (r.tpotMs !== null && r.tpotMs > g.tpotMs) return false;
  if (g.e2elMs !== null && r.e2elMs > g.e2elMs) return false;
  return true;
}

export interface CostInputs {
  gpuCount: number;
  gpuHourlyUsd: number;
  /** Name of the price table the hourly price came from (printed with every cost). */
  priceTable: string;
}

/** Economics at the last passing level; null when nothing passed or no throughput. */
export function economics(level: Pick<LevelResult, 'concurrency' | 'outputTokPerS'> | null, cost: CostInputs): Economics | null {
  if (!level || !(level.outputTokPerS > 0)) return null;
  if (!(cost.gpuCount > 0)) throw new Error(`gpuCount must be > 0, got ${cost.gpuCount}`);
  if (!(cost.gpuHourlyUsd >= 0)) throw new Error(`gpuHourlyUsd must be ≥ 0, got ${cost.gpuHourlyUsd}`);
  const dollarsPerHour = cost.gpuCount * cost.gpuHourlyUsd;
  const tokensPerHour = level.outputTokPerS * 3600;
  return {
    outputTokPerSPerGpu: level.outputTokPerS / cost.gpuCount,
    usdPerMillionOutputTokens: (dollarsPerHour / tokensPerHour) * 1e6,
    usersPerGpuDollar: dollarsPerHour > 0 ? level.concurrency / dollarsPerHour : Infinity,
    priceTable: cost.priceTable,
  };
}
