// SLA compliance of a pattern run: each SLA metric with its target, the measured value and a
// verdict, and "N of M met" (seed 001's "Acceptable (SLA)" column, overridable per shape in the
// config file). A verdict needs the data to carry it: a p95 is met only when its 95 % CI lies
// under the target and missed only when the CI lies above it; a success rate likewise with a
// Wilson interval; anything between is inconclusive, never rounded into a pass. Pure.
import type { ShapeId } from './sweep-types.ts';
import type { PatternResult } from './pattern-result.ts';
import { durationText, latencyRangeText, latencyText, pctText } from './format.ts';

export interface SlaTargets {
  /** TTFT p95 below this (ms). */
  ttftP95Ms: number;
  /** Per-user output speed above this (tok/s), i.e. TPOT p95 below 1000 / this. */
  outputTokPerS: number;
  /** Highest KV-cache use seen at or below this (0..1). */
  kvCacheMax: number;
  /** Share of requests that succeed, at least this. */
  successRate: number;
  /** Spike only, when set: recovery time at most this (s). */
  recoveryS?: number;
  /** Spike only, when set: error rate during the spike at most this. */
  spikeErrorRate?: number;
}

/** Seed 001, "Acceptable (SLA)": TTFT < 800 ms, TPOT > 20 tok/s, KV cache ≤ 90 %, success 99 %. */
export const SEED_SLA: SlaTargets = { ttftP95Ms: 800, outputTokPerS: 20, kvCacheMax: 0.9, successRate: 0.99 };

export type SlaConfigFile = Partial<SlaTargets> & { shapes?: Partial<Record<ShapeId, Partial<SlaTargets>>> };

export function slaTargetsFor(shape: ShapeId, cfg: SlaConfigFile = {}): SlaTargets {
  const { shapes, ...all } = cfg;
  return { ...SEED_SLA, ...all, ...(shapes?.[shape] ?? {}) };
}

export type SlaVerdict = 'met' | 'missed' | 'inconclusive';

export interface SlaRow {
  metric: 'ttft_p95' | 'output_speed' | 'kv_cache' | 'success' | 'recovery' | 'spike_errors';
  label: string;
  target: string;
  measured: string;
  verdict: SlaVerdict;
  /** n, interval, why inconclusive. */
  detail: string;
}

export interface SlaReport {
  shape: ShapeId;
  pattern: string;
  rows: SlaRow[];
  met: number;
  total: number;
  missed: number;
  inconclusive: number;
  /** missed if any missed; else inconclusive if any; else met. */
  overall: SlaVerdict;
}

const fin = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
// Latencies and shares as every other view prints them (./format.ts).
const ms = latencyText;
const pct = pctText;
// Stored JSON turns ±Infinity into null: an unbounded side.
const lo = (v: number | null | undefined) => (fin(v) ? v : -Infinity);
const hi = (v: number | null | undefined) => (fin(v) ? v : Infinity);

/** Wilson score interval at 95 %. */
export function wilson(successes: number, n: number): { low: number; high: number } {
  if (n <= 0) return { low: 0, high: 1 };
  const z = 1.959964;
  const p = successes / n;
  const d = 1 + (z * z) / n;
  const c = (p + (z * z) / (2 * n)) / d;
  const h = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / d;
  return { low: Math.max(0, c - h), high: Math.min(1, c + h) };
}

function byCi(value: number, low: number, high: number, target: number, below: boolean): SlaVerdict {
  if (below) return high < target ? 'met' : low > target ? 'missed' : 'inconclusive';
  return low > target ? 'met' : high < target ? 'missed' : 'inconclusive';
}

export function slaReport(r: PatternResult, targets: SlaTargets): SlaReport {
  const a = r.pools.all;
  const rows: SlaRow[] = [];
  const ciText = (l: number, h: number, f: (v: number) => string) =>
    f === ms && Number.isFinite(l) && Number.isFinite(h) ? `95 % CI ${latencyRangeText(l, h)}` : `95 % CI ${Number.isFinite(l) ? f(l) : '−∞'} – ${Number.isFinite(h) ? f(h) : '+∞'}`;

  const t = a.ttft;
  rows.push(
    !fin(t.p95)
      ? { metric: 'ttft_p95', label: 'TTFT p95', target: `< ${ms(targets.ttftP95Ms)}`, measured: '—', verdict: 'inconclusive', detail: 'no request got a first token' }
      : {
          metric: 'ttft_p95',
          label: 'TTFT p95',
          target: `< ${ms(targets.ttftP95Ms)}`,
          measured: ms(t.p95),
          verdict: byCi(t.p95, lo(a.ttftP95Ci.low), hi(a.ttftP95Ci.high), targets.ttftP95Ms, true),
          detail: `n ${a.ttftSeen}${a.ttftKept < a.ttftSeen ? ` (${a.ttftKept} kept)` : ''}, ${ciText(lo(a.ttftP95Ci.low), hi(a.ttftP95Ci.high), ms)}`,
        },
  );
  const tp = a.tpot;
  const speed = (v: number) => `${(1000 / v).toFixed(1)} tok/s`;
  const tpotTarget = 1000 / targets.outputTokPerS;
  rows.push(
    !fin(tp.p95) || !(tp.p95 > 0)
      ? { metric: 'output_speed', label: 'Output speed per user (1000 / TPOT p95)', target: `> ${targets.outputTokPerS} tok/s`, measured: '—', verdict: 'inconclusive', detail: 'no request with 2+ output tokens' }
      : {
          metric: 'output_speed',
          label: 'Output speed per user (1000 / TPOT p95)',
          target: `> ${targets.outputTokPerS} tok/s`,
          measured: speed(tp.p95),
          verdict: byCi(tp.p95, lo(a.tpotP95Ci.low), hi(a.tpotP95Ci.high), tpotTarget, true),
          detail: `n ${tp.n}, TPOT p95 ${ms(tp.p95)}, ${ciText(lo(a.tpotP95Ci.low), hi(a.tpotP95Ci.high), ms)}`,
        },
  );
  rows.push(
    !fin(a.kvMax)
      ? { metric: 'kv_cache', label: 'KV cache use (highest scrape)', target: `≤ ${pct(targets.kvCacheMax)}`, measured: '—', verdict: 'inconclusive', detail: 'the server reports no KV-cache gauge' }
      : {
          metric: 'kv_cache',
          label: 'KV cache use (highest scrape)',
          target: `≤ ${pct(targets.kvCacheMax)}`,
          measured: pct(a.kvMax),
          verdict: a.kvMax <= targets.kvCacheMax ? 'met' : 'missed',
          detail: 'highest value of the server gauge over the run',
        },
  );
  const done = a.completed + a.failed;
  const w = wilson(a.completed, done);
  rows.push(
    done === 0
      ? { metric: 'success', label: 'Success rate', target: `≥ ${pct(targets.successRate)}`, measured: '—', verdict: 'inconclusive', detail: 'no request finished' }
      : {
          metric: 'success',
          label: 'Success rate',
          target: `≥ ${pct(targets.successRate)}`,
          measured: pct(a.completed / done),
          verdict: w.low >= targets.successRate ? 'met' : w.high < targets.successRate ? 'missed' : 'inconclusive',
          detail: `${a.completed} of ${done}, Wilson 95 % ${pct(w.low)} – ${pct(w.high)}${a.failed ? `; errors ${Object.entries(a.errors).map(([k, v]) => `${k} ${v}`).join(', ')}` : ''}`,
        },
  );
  const s = r.spike;
  if (s && targets.recoveryS !== undefined) {
    const target = targets.recoveryS * 1000;
    const v: SlaVerdict = s.recoveryMs === null ? (fin(s.baselineTtftP95Ms) && !s.recoveryUndecided ? 'missed' : 'inconclusive') : s.recoveryMs + s.resolutionMs <= target ? 'met' : s.recoveryMs > target ? 'missed' : 'inconclusive';
    rows.push({
      metric: 'recovery',
      label: 'Recovery after the spike',
      target: `≤ ${targets.recoveryS} s`,
      measured: s.recoveryMs === null ? (s.recoveryUndecided ? 'undecided' : 'not recovered') : durationText(s.recoveryMs),
      verdict: v,
      detail: `resolution one window (${s.resolutionMs / 1000} s)${s.note ? `; ${s.note}` : ''}`,
    });
  }
  if (s && targets.spikeErrorRate !== undefined) {
    rows.push({
      metric: 'spike_errors',
      label: 'Error rate during the spike',
      target: `≤ ${pct(targets.spikeErrorRate)}`,
      measured: fin(s.spikeErrorRate) ? pct(s.spikeErrorRate) : '—',
      verdict: !fin(s.spikeErrorRate) ? 'inconclusive' : s.spikeErrorRate <= targets.spikeErrorRate ? 'met' : 'missed',
      detail: `${s.spikeRequests} requests ended in the spike`,
    });
  }
  const met = rows.filter((x) => x.verdict === 'met').length;
  const missed = rows.filter((x) => x.verdict === 'missed').length;
  const inconclusive = rows.length - met - missed;
  return { shape: r.spec.shape, pattern: r.spec.kind, rows, met, total: rows.length, missed, inconclusive, overall: missed ? 'missed' : inconclusive ? 'inconclusive' : 'met' };
}

/** validate --sla: 0 all met, 1 any missed, 3 none missed but some inconclusive. */
export function slaExitCode(reports: SlaReport[]): 0 | 1 | 3 {
  if (reports.some((r) => r.missed > 0)) return 1;
  if (!reports.length || reports.some((r) => r.inconclusive > 0)) return 3;
  return 0;
}
