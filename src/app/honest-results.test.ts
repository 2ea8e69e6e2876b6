// Issue 9, cases 1–5 and 9: a result says how sure it is, and an invalid or undecided measurement
// never becomes the answer. Pure: levels are judged from measurements built here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PRICE_TABLE } from '../core/cost.ts';
import { reduceAll } from '../core/session-state.ts';
import { reassessSweep, summarizeSession, type SessionSummary } from '../core/session-summary.ts';
import { fixtureEvents } from '../sessions/fixtures.ts';
import { binomialLowerBound, minSamplesForQuantile, summarize } from '../core/stats.ts';
import { TIMING, breakingPoint, clientRefusal, decideLevelStop, evaluateLevel, levelOutcome, nextLevel, type LevelMeasurement } from '../core/sweep.ts';
import type { LevelResult, ServerSample } from '../core/sweep-types.ts';
import { breakingPointShort, breakingPointText, quantileText, sweepAnswer } from '../core/result-text.ts';
import { VALIDATE_EXIT, validateSession, validationToText } from '../core/validate.ts';
import { economics } from '../core/sla.ts';
import { summaryLines } from './plain.ts';

/** A clean measurement at concurrency c with n TTFTs drawn evenly from [lo, hi). */
function meas(c: number, over: Partial<LevelMeasurement> = {}, n = 100, lo = 100, hi = 200): LevelMeasurement {
  const ttfts = Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / n);
  return {
    shape: 'support',
    concurrency: c,
    measured: true,
    windowMs: 10_000,
    completed: n,
    failed: 0,
    errorsByClass: {},
    ttft: summarize(ttfts),
    tpot: summarize(ttfts.map(() => 15)),
    itl: summarize(ttfts.map(() => 15)),
    e2el: summarize(ttfts.map(() => 400)),
    allDoneMeanMs: (c * 10_000) / n, // Little's law holds: n/10 s × R = c
    outputTokens: n * 128,
    promptTokens: n * 256,
    goodCount: n,
    tokenSource: 'usage',
    maxInFlight: c,
    meanInFlight: c,
    lagP99Ms: 1,
    lagMaxMs: 2,
    stopReason: 'test',
    requestedOutputTokens: 128,
    requestedPromptTokens: 256,
    notes: [],
    ...over,
  };
}
const noQueue = (c: number): ServerSample[] => [0, 0, 0].map((w, t) => ({ t, engine: 'nim', running: c, waiting: w, kvCache: 0.3 }));
const queued = (c: number): ServerSample[] => [1, 2, 3].map((w, t) => ({ t, engine: 'nim', running: c, waiting: w, kvCache: 0.9 }));
const judge = (m: LevelMeasurement, s: ServerSample[] = noQueue(m.concurrency)) => evaluateLevel(m, s);

function sessionWith(levels: LevelResult[]): SessionSummary {
  const base = summarizeSession(reduceAll(fixtureEvents({ profile: 'fast' })), DEFAULT_PRICE_TABLE);
  const bp = breakingPoint('support', levels);
  const lastPass = levels.find((l) => l.concurrency === bp.lastPassing && levelOutcome(l) === 'pass') ?? null;
  const eco = economics(lastPass, { gpuCount: 1, gpuHourlyUsd: 2, priceTable: 'oci-list-2026-01' });
  return { ...base, levels, breakingPoints: { support: bp }, economics: eco ? { support: eco } : {} };
}

test('case 1: every level INVALID (client lag) — no breaking point, no plain headline, validate inconclusive (exit 3)', () => {
  const levels = [1, 2, 4, 8, 16, 32, 64, 48, 56].map((c) => judge(meas(c, { lagP99Ms: 33 }), c >= 56 ? queued(c) : noQueue(c)));
  for (const l of levels) {
    assert.equal(l.valid, false);
    assert.equal(levelOutcome(l), 'inconclusive');
    assert.match(l.outcomeWhy!, /invalid: load generator event loop lagged 33\.0 ms/);
  }
  const bp = breakingPoint('support', levels);
  assert.equal(bp.status, 'no-answer');
  assert.equal(bp.firstFailing, null);
  assert.equal(bp.lastPassing, 0);
  assert.equal(breakingPointShort(bp), 'no answer');
  assert.doesNotMatch(breakingPointText(bp), /\b(48|56) users/);
  const s = sessionWith(levels);
  assert.deepEqual(s.economics, {});
  const lines = summaryLines(s).join('\n');
  assert.match(lines, /breaking point \(support\): no answer: no level gave a valid, decided result \(9 inconclusive/);
  assert.equal(sweepAnswer(s.breakingPoints).status, 'none');
  const v = validateSession(s, 'fast');
  assert.equal(v.verdict, 'inconclusive', validationToText(v));
  assert.equal(VALIDATE_EXIT[v.verdict], 3);
  assert.match(validationToText(v), /\?\?.*Breaking point \(support\)/);
});

test('case 1 (old session files): a stored "56 users" over INVALID levels is judged again on read', () => {
  // As written before outcomes existed: levels valid: false, verdict pass/break, a bare breaking point.
  const old = [1, 2, 4, 8, 16, 32, 64, 48, 56].map((c) => {
    const l = judge(meas(c, { lagP99Ms: 33 }), c >= 56 ? queued(c) : noQueue(c));
    delete l.outcome;
    delete l.outcomeWhy;
    return l;
  });
  const stored = { support: { shape: 'support' as const, lastPassing: 48, firstFailing: 56, rule: 'queue' as const, resolution: 8, limitedBy: 'queueing' as const } };
  const again = reassessSweep(stored, { support: { outputTokPerSPerGpu: 1, usdPerMillionOutputTokens: 1, usersPerGpuDollar: 1, priceTable: 't' } }, old);
  assert.equal(again.breakingPoints.support!.status, 'no-answer');
  assert.deepEqual(again.economics, {});
});

test('case 2: one request decides nothing — inconclusive, and p95 is shown as too few samples, not as p50', () => {
  const one = judge(meas(1, {}, 1, 96, 97));
  assert.equal(one.ttft.n, 1);
  assert.equal(one.verdict, 'pass'); // the raw rules see nothing wrong…
  assert.equal(levelOutcome(one), 'inconclusive'); // …but one sample is not an answer
  assert.match(one.outcomeWhy!, /too few samples: 1 TTFT, a p95 bound needs ≥ 59/);
  assert.equal(quantileText(one.ttft, 'p95'), 'n<59');
  assert.equal(quantileText(one.ttft, 'p95', true), '— (n=1; p95 needs ≥ 59 samples)');
  assert.equal(quantileText(one.ttft, 'p50'), 'n<5');
  assert.equal(minSamplesForQuantile(0.95), 59);
  assert.equal(minSamplesForQuantile(0.5), 5);
  assert.equal(minSamplesForQuantile(0.99), 299);
  // 59 samples all far under the limit: the upper bound exists and the level passes, with its interval shown.
  const enough = judge(meas(1, {}, 59, 90, 110));
  assert.equal(levelOutcome(enough), 'pass', enough.outcomeWhy);
  assert.match(quantileText(enough.ttft, 'p95', true), /^\d+ ms \(90% CI \d+ ms–\d+ ms, n=59\)$/);
  // The stop rule no longer accepts "every TTFT under 1 s" on a handful of samples.
  const T = { ...TIMING.quick, minMs: 1000, maxMs: 5000, k: 1 };
  const d = decideLevelStop({ phase: 'measuring', concurrency: 1, elapsedMs: 6000, measuringMs: 1500, warmupMs: 4000, done: 1, ttft: { n: 1, low: 96, high: Infinity, max: 96 } }, T);
  assert.ok(d.stop && d.early === null && /too few samples/.test(d.reason), JSON.stringify(d));
});

test('case 3: TTFT p95 1994.9 ms with an undecided bound is inconclusive, never a pass', () => {
  // 200 samples straddling the limit: p95 just under 2 s, but its upper bound is above it.
  const ttfts = Array.from({ length: 200 }, (_, i) => (i < 189 ? 1500 + i : 1994.6 + (i - 189) * 6));
  const m = meas(8, { ttft: summarize(ttfts), stopReason: 'past max time 20 s with k·N = 8 requests done, TTFT p95 undecided (…)' }, 200);
  const l = judge(m);
  assert.ok(Math.abs(l.ttft.p95 - 1994.9) < 1e-9 && l.ttft.ci!.p95[1]! >= 2000, JSON.stringify(l.ttft));
  assert.equal(l.verdict, 'pass');
  assert.equal(levelOutcome(l), 'inconclusive');
  assert.match(l.outcomeWhy!, /TTFT p95 undecided at the time cap \(90% CI .*n=200, limit 2.00 s\)/);
  // And over the limit but not clearly: not a break either.
  const over = judge(meas(8, { ttft: summarize(ttfts.map((x) => x + 10)) }, 200));
  assert.deepEqual(over.brokeBy, ['ttft']);
  assert.equal(levelOutcome(over), 'inconclusive');
  // Such levels do not feed the breaking point.
  const bp = breakingPoint('support', [judge(meas(4)), l, over]);
  assert.equal(bp.lastPassing, 4);
  assert.equal(bp.firstFailing, null);
  assert.equal(bp.status, 'not-reached');
  assert.match(breakingPointText(bp), /^≥ 4 users \(4 pass; 8, 8 users inconclusive/);
});

test('case 4: zero completed requests never pass — no answer, and the sweep session fails', () => {
  const empty = { ttft: summarize([]), tpot: summarize([]), itl: summarize([]), e2el: summarize([]), completed: 0, failed: 0, outputTokens: 0, promptTokens: 0, goodCount: 0, allDoneMeanMs: 0 };
  // Streams that never end: the warm-up never finishes, nothing completes.
  const l = judge(meas(1, { ...empty, measured: false, stopReason: 'warm-up did not finish within 30 s' }));
  assert.equal(l.verdict, 'pass'); // no rule tripped on no data…
  assert.equal(levelOutcome(l), 'inconclusive');
  // A measured window with nothing finished is not a pass either.
  const windowed = judge(meas(4, { ...empty, measured: true }));
  assert.equal(levelOutcome(windowed), 'inconclusive');
  assert.match(windowed.outcomeWhy!, /nothing completed/);
  const bp = breakingPoint('support', [l, windowed]);
  assert.equal(bp.status, 'no-answer');
  assert.doesNotMatch(breakingPointText(bp), /never broke|≥/);
  assert.equal(sweepAnswer({ support: bp }).status, 'none');
});

test('a failing target: the level stops on its error rate after a few failures, and breaks by the success rule', () => {
  const T = TIMING.quick;
  const base = { phase: 'warmup' as const, concurrency: 4, elapsedMs: 300, measuringMs: 0, ttft: { n: 0, low: -Infinity, high: Infinity, max: 0 } };
  assert.equal(decideLevelStop({ ...base, done: 4, failed: 4 }, T).stop, false); // fewer than minFailures
  const d = decideLevelStop({ ...base, done: 6, failed: 6 }, T);
  assert.ok(d.stop && d.early === 'above' && d.rule === 'success' && /6 of 6 requests failed/.test(d.reason), JSON.stringify(d));
  // One failure in a hundred is not "clearly over 5%".
  assert.equal(decideLevelStop({ ...base, phase: 'measuring', measuringMs: 500, done: 100, failed: 5 }, T).stop, false);
  assert.ok(binomialLowerBound(6, 6) > 0.6 && binomialLowerBound(1, 100) < 0.01);
  const empty = { ttft: summarize([]), tpot: summarize([]), itl: summarize([]), e2el: summarize([]), completed: 0, outputTokens: 0, promptTokens: 0, goodCount: 0 };
  const l = judge(meas(4, { ...empty, failed: 6, errorsByClass: { http_500: 6 }, measured: false, early: 'above', stopRule: 'success', decidedInWarmup: true, allDoneMeanMs: 5 }));
  assert.equal(levelOutcome(l), 'break', l.outcomeWhy);
  assert.deepEqual(l.brokeBy, ['success']);
});

test('case 5: levels the client cannot drive are not an answer — "≥ N (limited by this client)", not "breaking point 2048"', () => {
  // The old sweep: 1 … 4096, every level INVALID because the client could not keep N in flight.
  const levels = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096].map((c) => judge(meas(c, { meanInFlight: c * 0.5, lagP99Ms: 40 }), c === 4096 ? queued(c) : noQueue(c)));
  assert.ok(levels.every((l) => levelOutcome(l) === 'inconclusive'));
  const bp = breakingPoint('support', levels);
  assert.equal(bp.status, 'no-answer');
  assert.doesNotMatch(breakingPointText(bp), /2048/);
  // The new sweep stops where the client gives out: 1–8 valid passes, then the client limit.
  const ok = [1, 2, 4, 8].map((c) => judge(meas(c)));
  const limited = breakingPoint('support', [...ok, judge(meas(16, { lagP99Ms: 40 }))], undefined, undefined, { why: 'at 16 users, load generator event loop lagged 40.0 ms (p99)' });
  assert.equal(limited.status, 'client-limited');
  assert.equal(limited.limitedBy, 'client');
  assert.equal(limited.lastPassing, 8);
  assert.match(breakingPointText(limited), /^≥ 8 users \(limited by this client: at 16 users, load generator event loop lagged 40\.0 ms \(p99\) — use fewer streams \(--max-concurrency\), run nimble on a machine with free cores, or load the server from inside its cluster/);
  assert.equal(breakingPointShort(limited), '≥8 (client-limited)');
  const v = validateSession(sessionWith([...ok, judge(meas(16, { lagP99Ms: 40 }))].map((l) => l)), 'fast');
  // sessionWith judges without the client limit: build one that carries it.
  const s = { ...sessionWith(ok), breakingPoints: { support: limited } };
  assert.equal(validateSession(s, 'fast').verdict, 'inconclusive');
  assert.equal(v.verdict, 'pass'); // 1–8 pass, 16 inconclusive: "≥ 8" is a valid lower bound of the sweep
  assert.equal(sweepAnswer(s.breakingPoints).status, 'limited');
});

test('case 9: output length not honoured at every level — no "last passing 8", no $/M tokens', () => {
  const levels = [1, 2, 4, 8, 16].map((c) => judge(meas(c, { outputTokens: 100 * 734, requestedOutputTokens: 1024 }), c === 16 ? queued(c) : noQueue(c)));
  assert.ok(levels.every((l) => /output length not honoured/.test(l.outcomeWhy!)));
  const s = sessionWith(levels);
  assert.equal(s.breakingPoints.support!.status, 'no-answer');
  assert.deepEqual(s.economics, {});
  const text = summaryLines(s).join('\n');
  assert.doesNotMatch(text, /last passing|8 users|per M output/);
  assert.match(text, /no answer: .*output length not honoured/);
});

test('the sweep climbs past inconclusive levels and bisects around them, from valid decided levels only', () => {
  // 1 and 2 too thin to decide, 4 passes, 8 breaks: the bracket is 4–8, then 6.
  const h = [
    { concurrency: 1, pass: null },
    { concurrency: 2, pass: null },
    { concurrency: 4, pass: true },
    { concurrency: 8, pass: false },
  ];
  assert.equal(nextLevel([{ concurrency: 1, pass: null }], 64), 2);
  assert.equal(nextLevel(h, 64, 1), 6);
  // The middle undecided: its nearest untried neighbour, higher first.
  assert.equal(nextLevel([...h, { concurrency: 6, pass: null }], 64, 1), 7);
  assert.equal(nextLevel([...h, { concurrency: 6, pass: null }, { concurrency: 7, pass: null }, { concurrency: 5, pass: null }], 64, 1), null);
});

test('client capacity: a level projected past the busy limit is refused with the measured cost', () => {
  assert.equal(clientRefusal(null, 2), null);
  assert.equal(clientRefusal({ concurrency: 8, busy: 0.4, usPerToken: 30 }, 16), null); // 80% ≤ 85%
  assert.equal(clientRefusal({ concurrency: 8, busy: 0.4, usPerToken: 30 }, 8), null); // not a climb
  assert.equal(clientRefusal({ concurrency: 8, busy: 0.5, usPerToken: 30 }, 16), '16 users would keep the load generator ~100% busy (measured 50% at 8 users, 30 µs CPU per streamed token) — over its 85% limit, so 16 was not measured');
});
