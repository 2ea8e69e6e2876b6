// Figures derived from a pattern run's windows (definitions in the README, "Load patterns"). Pure.
//
// - Spike: baseline = median TTFT p95 of the pre-spike windows (the first left out as warm-up);
//   during the spike = pooled TTFT p95 and error rate of the spike phase; recovery time = from the
//   end of the spike to the start of the first window that begins a run of `recoveryWindows`
//   windows whose TTFT p95 is within (1 + tolerance) × baseline. Resolution: one window.
// - Soak drift: ordinary least squares of window TTFT p95 (and mean KV use, and mean queue) against
//   time, with a 95 % CI of the slope (Student t, n − 2 df; windows taken as independent, which
//   understates the CI when they are autocorrelated). Drifting when the CI's whole range, times
//   the run length, is beyond the tolerance; stable when it is all inside; else inconclusive.
// - Stress: each step judged by the sweep's break rules on its windows (first window left out as
//   the ramp): queue in most scrapes, TTFT p95 above the break threshold, or success below 95 %.
//   Max users = the last step before the first break; failure mode at the first break: timeouts
//   when ≥ 5 % of requests timed out, errors when ≥ 5 % failed otherwise, else graceful queueing.
import { DEFAULT_SLA, type SlaConfig } from './sla.ts';
import type { PatternSpec } from './patterns.ts';
import type { PatternWindow, PoolSummary } from './pattern-windows.ts';

const median = (v: number[]) => {
  if (!v.length) return NaN;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export interface SpikeFigures {
  baselineTtftP95Ms: number;
  baselineWindows: number;
  spikeTtftP95Ms: number;
  spikeErrorRate: number;
  spikeRequests: number;
  /** Peak of window TTFT p95 in the spike and after it. */
  worstWindowTtftP95Ms: number;
  /** ms from the end of the spike; null = not recovered before the run ended. */
  recoveryMs: number | null;
  recoveryThresholdMs: number;
  /**
   * The windows before the spike do not pass the recovery test themselves (window p95 too noisy
   * for the tolerance): "not recovered" would then say nothing about the spike. Absent in older sessions.
   */
  recoveryUndecided?: boolean;
  resolutionMs: number;
  note: string;
}

/** `need` consecutive windows (with first tokens) whose p95 is within the threshold. */
function passes(ws: PatternWindow[], threshold: number, need: number): boolean {
  const seen = ws.filter((w) => w.ttft.n > 0);
  for (let i = 0; i + need <= seen.length; i++) if (seen.slice(i, i + need).every((w) => w.ttft.p95 <= threshold)) return true;
  return false;
}

export function spikeFigures(spec: PatternSpec, windows: PatternWindow[], phasePools: Record<string, PoolSummary>): SpikeFigures {
  const before = windows.filter((w) => w.phase === 'before' && w.ttft.n > 0);
  const base = before.length > 2 ? before.slice(1) : before;
  const baseline = median(base.map((w) => w.ttft.p95));
  const threshold = baseline * (1 + spec.recoveryTolerance);
  const spikePhase = spec.phases.find((p) => p.name === 'spike')!;
  const spikeEnd = spikePhase.startMs + spikePhase.durationMs;
  const after = windows.filter((w) => w.phase === 'after');
  const sp = phasePools.spike;
  const worst = Math.max(-Infinity, ...windows.filter((w) => w.startMs >= spikePhase.startMs && w.ttft.n > 0).map((w) => w.ttft.p95));
  let recoveryMs: number | null = null;
  let undecided = false;
  let note = '';
  if (!Number.isFinite(baseline)) note = 'no baseline: no request got a first token before the spike';
  else {
    const need = spec.recoveryWindows;
    // Windows without a first token say nothing either way (few users with long requests leave
    // every other window empty): they are skipped, not counted as misses nor as recovered.
    const seen = after.filter((w) => w.ttft.n > 0);
    for (let i = 0; i + need <= seen.length; i++) {
      if (seen.slice(i, i + need).every((w) => w.ttft.p95 <= threshold)) {
        recoveryMs = seen[i].startMs - spikeEnd;
        break;
      }
    }
    const skipped = after.length - seen.length;
    // The same test on the baseline windows: if they fail it, so would an unchanged server.
    if (recoveryMs === null && base.length >= need && !passes(base, threshold, need)) {
      undecided = true;
      const n = Math.round(median(base.map((w) => w.ttft.n)));
      note = `undecided: the windows before the spike do not pass this test either (a window's p95 over n ≈ ${n} first tokens varies more than ${Math.round(spec.recoveryTolerance * 100)} %): use a longer --window or more load`;
    } else if (recoveryMs === null) note = `p95 not back within ${Math.round(spec.recoveryTolerance * 100)} % of baseline for ${need} windows with first tokens before the run ended${skipped ? ` (${skipped} of ${after.length} windows after the spike had none)` : ''}`;
    else if (recoveryMs === 0) note = 'p95 within tolerance from the first window after the spike';
  }
  const done = sp ? sp.completed + sp.failed : 0;
  return {
    baselineTtftP95Ms: baseline,
    baselineWindows: base.length,
    spikeTtftP95Ms: sp?.ttft.p95 ?? NaN,
    spikeErrorRate: done ? sp!.failed / done : NaN,
    spikeRequests: done,
    worstWindowTtftP95Ms: Number.isFinite(worst) ? worst : NaN,
    recoveryMs,
    recoveryThresholdMs: threshold,
    recoveryUndecided: undecided,
    resolutionMs: spec.windowMs,
    note,
  };
}

export interface Slope {
  /** Units per hour. */
  perHour: number;
  lowPerHour: number;
  highPerHour: number;
  n: number;
}

/** Two-sided 97.5 % point of Student's t (Cornish–Fisher series; within 0.3 % for df ≥ 3). */
export function t975(df: number): number {
  if (df < 1) return NaN;
  if (df === 1) return 12.706;
  if (df === 2) return 4.303;
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2) + (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / (384 * df ** 3);
}

/** OLS slope of y on x (x in ms) with a 95 % CI, per hour. Null with fewer than 3 points. */
export function olsSlope(points: Array<{ x: number; y: number }>): Slope | null {
  const p = points.filter((q) => Number.isFinite(q.x) && Number.isFinite(q.y));
  const n = p.length;
  if (n < 3) return null;
  const mx = p.reduce((a, q) => a + q.x, 0) / n;
  const my = p.reduce((a, q) => a + q.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const q of p) {
    sxx += (q.x - mx) ** 2;
    sxy += (q.x - mx) * (q.y - my);
  }
  if (sxx === 0) return null;
  const b = sxy / sxx;
  let sse = 0;
  for (const q of p) sse += (q.y - (my + b * (q.x - mx))) ** 2;
  const se = Math.sqrt(sse / (n - 2) / sxx);
  const h = t975(n - 2) * se;
  const H = 3_600_000;
  return { perHour: b * H, lowPerHour: (b - h) * H, highPerHour: (b + h) * H, n };
}

export type DriftVerdict = 'drifting' | 'stable' | 'inconclusive';

export interface DriftFigure {
  metric: 'ttft_p95_ms' | 'kv_cache_use' | 'queue_waiting';
  slope: Slope | null;
  /** Change over the run implied by the slope, and its CI (units of the metric). */
  overRun: number;
  overRunLow: number;
  overRunHigh: number;
  /** The change that counts as drift over the run (units of the metric). */
  tolerance: number;
  verdict: DriftVerdict;
  baseline: number;
}

export interface SoakFigures {
  windows: number;
  durationMs: number;
  drift: DriftFigure[];
  /** Error rate in the first and last third of the run (late errors). */
  errorRateFirstThird: number;
  errorRateLastThird: number;
  verdict: DriftVerdict;
}

export interface DriftTolerance {
  /** Relative change of TTFT p95 over the run (default 0.1 = 10 %). */
  ttftShare: number;
  /** Absolute change of KV use over the run (default 0.05 = 5 points). */
  kvAbs: number;
  /** Absolute change of the mean queue over the run (default 1 request). */
  queueAbs: number;
}
export const DEFAULT_DRIFT: DriftTolerance = { ttftShare: 0.1, kvAbs: 0.05, queueAbs: 1 };

function drift(metric: DriftFigure['metric'], pts: Array<{ x: number; y: number }>, durationMs: number, tol: (baseline: number) => number): DriftFigure {
  const slope = pts.length >= 6 ? olsSlope(pts) : null;
  const third = Math.max(1, Math.floor(pts.length / 3));
  const baseline = median(pts.slice(0, third).map((p) => p.y));
  const h = durationMs / 3_600_000;
  const t = tol(baseline);
  if (!slope) return { metric, slope, overRun: NaN, overRunLow: NaN, overRunHigh: NaN, tolerance: t, verdict: 'inconclusive', baseline };
  const lo = slope.lowPerHour * h;
  const hi = slope.highPerHour * h;
  const verdict: DriftVerdict = lo > t || hi < -t ? 'drifting' : lo >= -t && hi <= t ? 'stable' : 'inconclusive';
  return { metric, slope, overRun: slope.perHour * h, overRunLow: lo, overRunHigh: hi, tolerance: t, verdict, baseline };
}

export function soakFigures(spec: PatternSpec, windows: PatternWindow[], tol: DriftTolerance = DEFAULT_DRIFT): SoakFigures {
  // The first window holds the ramp to full load: left out.
  const w = windows.filter((x) => x.phase === 'soak').slice(1);
  const mid = (x: PatternWindow) => (x.startMs + x.endMs) / 2;
  const durationMs = w.length ? w[w.length - 1].endMs - w[0].startMs : 0;
  const figs = [
    drift('ttft_p95_ms', w.filter((x) => x.ttft.n > 0).map((x) => ({ x: mid(x), y: x.ttft.p95 })), durationMs, (b) => tol.ttftShare * b),
    drift('kv_cache_use', w.filter((x) => x.server.kvMean !== null).map((x) => ({ x: mid(x), y: x.server.kvMean! })), durationMs, () => tol.kvAbs),
    drift('queue_waiting', w.filter((x) => x.server.waitingMean !== null).map((x) => ({ x: mid(x), y: x.server.waitingMean! })), durationMs, () => tol.queueAbs),
  ];
  const third = Math.max(1, Math.floor(w.length / 3));
  const rate = (ws: PatternWindow[]) => {
    const f = ws.reduce((a, x) => a + x.failed, 0);
    const d = ws.reduce((a, x) => a + x.failed + x.completed, 0);
    return d ? f / d : NaN;
  };
  // Server gauges that are not reported (null) do not make the soak inconclusive; TTFT must decide.
  const known = figs.filter((f) => f.slope !== null);
  const verdict: DriftVerdict = known.some((f) => f.verdict === 'drifting')
    ? 'drifting'
    : figs[0].slope && known.every((f) => f.verdict === 'stable')
      ? 'stable'
      : 'inconclusive';
  return { windows: w.length, durationMs, drift: figs, errorRateFirstThird: rate(w.slice(0, third)), errorRateLastThird: rate(w.slice(-third)), verdict };
}

export type FailureMode = 'graceful-queueing' | 'errors' | 'timeouts';

export interface StressStep {
  phase: string;
  users: number;
  windows: number;
  ttftP95Ms: number;
  successRate: number;
  requests: number;
  timeouts: number;
  queuedShare: number | null;
  reqPerS: number;
  outputTokPerS: number;
  broke: Array<'queue' | 'ttft' | 'success'>;
}

export interface StressFigures {
  steps: StressStep[];
  /** Highest load before the first break; null when the first step broke; = last step when none broke. */
  maxUsers: number | null;
  firstBreak: number | null;
  breakingReqPerS: number | null;
  breakingOutputTokPerS: number | null;
  peakOutputTokPerS: number;
  failureMode: FailureMode | null;
  note: string;
}

export function stressStep(phase: string, users: number, windows: PatternWindow[], sla: SlaConfig = DEFAULT_SLA): StressStep {
  const w = windows.length > 1 ? windows.slice(1) : windows;
  const sum = (f: (x: PatternWindow) => number) => w.reduce((a, x) => a + f(x), 0);
  const secs = sum((x) => x.endMs - x.startMs) / 1000;
  const done = sum((x) => x.completed + x.failed);
  const samples = sum((x) => x.server.samples);
  const s: StressStep = {
    phase,
    users,
    windows: w.length,
    ttftP95Ms: median(w.filter((x) => x.ttft.n > 0).map((x) => x.ttft.p95)),
    successRate: done ? sum((x) => x.completed) / done : NaN,
    requests: done,
    timeouts: sum((x) => (x.errors.timeout ?? 0) + (x.errors.stall ?? 0)),
    queuedShare: samples ? sum((x) => x.server.queuedSamples) / samples : null,
    reqPerS: secs ? sum((x) => x.completed) / secs : NaN,
    outputTokPerS: secs ? sum((x) => x.outputTokens) / secs : NaN,
    broke: [],
  };
  if (s.queuedShare !== null && s.queuedShare > sla.queuedShareBreak) s.broke.push('queue');
  if (s.ttftP95Ms > sla.ttftBreakMs) s.broke.push('ttft');
  if (done > 0 && s.successRate < sla.successBreak) s.broke.push('success');
  // Nothing came back at all under load: a failure too, not a pass.
  if (done === 0 && users > 0) s.broke.push('success');
  return s;
}

export function stressFigures(spec: PatternSpec, windows: PatternWindow[], sla: SlaConfig = DEFAULT_SLA): StressFigures {
  const steps = spec.phases
    .map((p) => ({ p, w: windows.filter((x) => x.phase === p.name) }))
    .filter((x) => x.w.length > 0)
    .map(({ p, w }) => stressStep(p.name, p.load, w, sla));
  const i = steps.findIndex((s) => s.broke.length > 0);
  const peak = Math.max(0, ...steps.map((s) => s.outputTokPerS).filter(Number.isFinite));
  if (i < 0) {
    return { steps, maxUsers: steps.length ? steps[steps.length - 1].users : null, firstBreak: null, breakingReqPerS: null, breakingOutputTokPerS: null, peakOutputTokPerS: peak, failureMode: null, note: 'no step broke: the server held the highest load tried' };
  }
  const b = steps[i];
  const errShare = b.requests ? (b.requests * (1 - b.successRate) - b.timeouts) / b.requests : 0;
  const mode: FailureMode = b.requests && b.timeouts / b.requests >= 0.05 ? 'timeouts' : errShare >= 0.05 ? 'errors' : 'graceful-queueing';
  const note =
    mode === 'graceful-queueing' && !b.broke.includes('queue')
      ? b.queuedShare === null
        ? 'queueing inferred from TTFT (the server reports no queue gauge)'
        : 'TTFT broke while requests still succeeded'
      : '';
  return { steps, maxUsers: i > 0 ? steps[i - 1].users : null, firstBreak: b.users, breakingReqPerS: b.reqPerS, breakingOutputTokPerS: b.outputTokPerS, peakOutputTokPerS: peak, failureMode: mode, note };
}

/** Step pattern: the same per-step table as stress, without stopping or a failure mode. */
export function stepFigures(spec: PatternSpec, windows: PatternWindow[], sla: SlaConfig = DEFAULT_SLA): StressStep[] {
  return stressFigures(spec, windows, sla).steps;
}
