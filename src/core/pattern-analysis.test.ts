import { test } from 'node:test';
import assert from 'node:assert/strict';
import { olsSlope, soakFigures, spikeFigures, stressFigures, t975 } from './pattern-analysis.ts';
import { parsePattern } from './patterns.ts';
import { windowEdges, type PatternWindow, type PoolSummary } from './pattern-windows.ts';
import { EMPTY_PERCENTILES } from './stats.ts';
import { slaExitCode, slaReport, slaTargetsFor, wilson } from './sla-report.ts';
import type { PatternResult } from './pattern-result.ts';
import { DEFAULT_SLA } from './sla.ts';

/** Windows of a spec with a TTFT p95 (and more) chosen per window. */
function windows(spec: ReturnType<typeof parsePattern>, f: (w: { phase: string; startMs: number; load: number; i: number }) => Partial<PatternWindow> & { p95?: number | null }): PatternWindow[] {
  return windowEdges(spec).map((e, i) => {
    const o = f({ ...e, i });
    const p95 = o.p95 === undefined ? 100 : o.p95;
    return {
      index: i, ...e, sent: 10, completed: 10, failed: 0, errors: {}, inFlight: e.load,
      ttft: p95 === null ? { ...EMPTY_PERCENTILES } : { ...EMPTY_PERCENTILES, n: 10, p50: p95 / 2, p95 },
      tpot: { ...EMPTY_PERCENTILES }, e2el: { ...EMPTY_PERCENTILES }, outputTokens: 100, reqPerS: 10, outputTokPerS: 100,
      server: { samples: 4, queuedSamples: 0, waitingMax: 0, waitingMean: 0, runningMax: e.load, kvMax: 0.1, kvMean: 0.1 },
      ...o,
    } as PatternWindow;
  });
}

const pool = (o: Partial<PoolSummary> = {}): PoolSummary => ({
  ttft: { ...EMPTY_PERCENTILES }, tpot: { ...EMPTY_PERCENTILES }, ttftP95Ci: { low: -Infinity, high: Infinity }, tpotP95Ci: { low: -Infinity, high: Infinity },
  ttftKept: 0, ttftSeen: 0, completed: 0, failed: 0, timeouts: 0, errors: {}, successRate: NaN, outputTokens: 0, kvMax: null, ...o,
});

test('spike recovery: the first window of a sustained run within tolerance, from the spike end', () => {
  const spec = parsePattern({ pattern: 'spike', base: '2', peak: '8', hold: '5s', spike: '3s', after: '10s', window: '1s', 'recovery-windows': '3' });
  // after starts at 8 s; bad until 12 s, one good blip at 10 s that is not sustained.
  const ws = windows(spec, ({ phase, startMs }) => ({ p95: phase === 'spike' || (phase === 'after' && startMs < 12_000 && startMs !== 10_000) ? 900 : 100 }));
  const f = spikeFigures(spec, ws, { spike: pool({ completed: 27, failed: 3, ttft: { ...EMPTY_PERCENTILES, n: 30, p95: 950 } }) });
  assert.equal(f.baselineTtftP95Ms, 100);
  assert.equal(f.recoveryThresholdMs, 120);
  assert.equal(f.recoveryMs, 4000);
  assert.equal(f.spikeErrorRate, 0.1);
  assert.equal(f.spikeTtftP95Ms, 950);
  const never = spikeFigures(spec, windows(spec, ({ phase }) => ({ p95: phase === 'before' ? 100 : 900 })), {});
  assert.equal(never.recoveryMs, null);
  assert.match(never.note, /not back within 20 %/);
  // Empty windows (no first token in them) are skipped: good, empty, good, empty, good recovers.
  const sparse = spikeFigures(spec, windows(spec, ({ phase, startMs }) => ({ p95: phase === 'spike' || (phase === 'after' && startMs < 11_000) ? 900 : phase === 'after' && startMs % 2000 === 0 ? null : 100 })), {});
  assert.equal(sparse.recoveryMs, 3000, sparse.note);
  // …but a miss between them still breaks the run.
  const broken = spikeFigures(spec, windows(spec, ({ phase, startMs }) => ({ p95: phase === 'spike' || (phase === 'after' && (startMs < 9_000 || startMs === 11_000)) ? 900 : phase === 'after' && startMs % 2000 === 0 ? null : 100 })), {});
  assert.equal(broken.recoveryMs, 5000, broken.note);
  // Baseline windows that would fail the test themselves: undecided, not "not recovered".
  const noisy = spikeFigures(spec, windows(spec, ({ phase, i }) => ({ p95: phase === 'before' ? (i % 2 ? 100 : 200) : 900 })), {});
  assert.equal(noisy.recoveryMs, null);
  assert.equal(noisy.recoveryUndecided, true);
  assert.match(noisy.note, /undecided: the windows before the spike do not pass this test either/);
  assert.equal(never.recoveryUndecided, false);
  const empty = spikeFigures(spec, windows(spec, () => ({ p95: null })), {});
  assert.equal(empty.recoveryMs, null);
  assert.match(empty.note, /no baseline/);
});

test('OLS slope and its CI', () => {
  const pts = Array.from({ length: 10 }, (_, i) => ({ x: i * 1000, y: 5 + 2 * i + (i % 2 ? 0.5 : -0.5) }));
  const s = olsSlope(pts)!;
  assert.ok(Math.abs(s.perHour - 2 * 3600) < 0.1 * 3600, `${s.perHour}`);
  assert.ok(s.lowPerHour < s.perHour && s.highPerHour > s.perHour);
  assert.equal(olsSlope(pts.slice(0, 2)), null);
  assert.ok(Math.abs(t975(4) - 2.776) < 0.01);
  assert.ok(Math.abs(t975(30) - 2.042) < 0.005);
});

test('soak drift: a rising p95 drifts, a flat noisy one is stable or inconclusive, never drifting', () => {
  const spec = parsePattern({ pattern: 'soak', users: '8', duration: '60s', window: '5s' });
  const rising = soakFigures(spec, windows(spec, ({ i }) => ({ p95: 300 + 20 * i })));
  assert.equal(rising.verdict, 'drifting');
  assert.equal(rising.drift[0].verdict, 'drifting');
  const flat = soakFigures(spec, windows(spec, ({ i }) => ({ p95: 300 + (i % 2 ? 3 : -3) })));
  assert.equal(flat.drift[0].verdict, 'stable');
  assert.equal(flat.verdict, 'stable');
  const noisy = soakFigures(spec, windows(spec, ({ i }) => ({ p95: 300 + ((i * 7919) % 13) * 8 })));
  assert.notEqual(noisy.drift[0].verdict, 'drifting');
  const kv = soakFigures(spec, windows(spec, ({ i }) => ({ server: { samples: 4, queuedSamples: 0, waitingMax: 0, waitingMean: 0, runningMax: 8, kvMax: 0.1 + 0.02 * i, kvMean: 0.1 + 0.02 * i } })));
  assert.equal(kv.drift[1].verdict, 'drifting');
  assert.equal(kv.verdict, 'drifting');
});

test('stress: break at the first step with a queue, failure mode by what failed', () => {
  const spec = parsePattern({ pattern: 'stress', start: '4', step: '4', max: '16', hold: '3s', window: '1s' });
  const queued = (load: number) => ({ samples: 4, queuedSamples: load > 8 ? 4 : 0, waitingMax: load > 8 ? load - 8 : 0, waitingMean: 0, runningMax: Math.min(8, load), kvMax: 0.2, kvMean: 0.2 });
  const q = stressFigures(spec, windows(spec, ({ load }) => ({ server: queued(load) })));
  assert.equal(q.firstBreak, 12);
  assert.equal(q.maxUsers, 8);
  assert.equal(q.failureMode, 'graceful-queueing');
  const errs = stressFigures(spec, windows(spec, ({ load }) => (load > 8 ? { completed: 5, failed: 5, errors: { http_429: 5 } } : {})));
  assert.equal(errs.failureMode, 'errors');
  assert.equal(errs.firstBreak, 12);
  const tos = stressFigures(spec, windows(spec, ({ load }) => (load > 4 ? { completed: 8, failed: 2, errors: { timeout: 2 } } : {})));
  assert.equal(tos.failureMode, 'timeouts');
  assert.equal(tos.maxUsers, 4);
  const none = stressFigures(spec, windows(spec, () => ({})), DEFAULT_SLA);
  assert.equal(none.firstBreak, null);
  assert.equal(none.maxUsers, 16);
});

test('SLA report: CI decides met / missed / inconclusive; exit codes', () => {
  const spec = parsePattern({ pattern: 'soak', users: '8', duration: '60s', window: '5s' });
  const base = (all: Partial<PoolSummary>): PatternResult => ({ spec, durationMs: 60_000, aborted: false, notes: [], pools: { all: pool(all), phases: {} }, sla: DEFAULT_SLA });
  const good = slaReport(base({ ttft: { ...EMPTY_PERCENTILES, n: 500, p95: 300 }, ttftP95Ci: { low: 280, high: 330 }, ttftKept: 500, ttftSeen: 500, tpot: { ...EMPTY_PERCENTILES, n: 500, p95: 30 }, tpotP95Ci: { low: 28, high: 33 }, completed: 500, kvMax: 0.5 }), slaTargetsFor('support'));
  assert.deepEqual(good.rows.map((r) => r.verdict), ['met', 'met', 'met', 'met']);
  assert.equal(good.met, 4);
  assert.equal(slaExitCode([good]), 0);
  const close = slaReport(base({ ttft: { ...EMPTY_PERCENTILES, n: 50, p95: 790 }, ttftP95Ci: { low: 700, high: Infinity }, completed: 50, tpot: { ...EMPTY_PERCENTILES, n: 50, p95: 30 }, tpotP95Ci: { low: 28, high: 33 }, kvMax: null }), slaTargetsFor('support'));
  assert.equal(close.rows[0].verdict, 'inconclusive');
  assert.equal(close.rows[2].verdict, 'inconclusive', 'no KV gauge');
  assert.equal(slaExitCode([close]), 3);
  const bad = slaReport(base({ ttft: { ...EMPTY_PERCENTILES, n: 500, p95: 1500 }, ttftP95Ci: { low: 1400, high: 1600 }, completed: 400, failed: 100 }), slaTargetsFor('coding', { ttftP95Ms: 2000, shapes: { coding: { ttftP95Ms: 1000 } } }));
  assert.equal(bad.rows[0].target, '< 1.00 s');
  assert.equal(bad.rows[0].verdict, 'missed');
  assert.equal(bad.rows[3].verdict, 'missed');
  assert.equal(slaExitCode([good, bad]), 1);
  const w = wilson(96, 96);
  assert.ok(w.low > 0.96 && w.low < 0.97 && w.high === 1);
});
