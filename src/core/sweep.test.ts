import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TIMING, breakingPoint, decideLevelStop, windowCapMs, evaluateLevel, limitedBy, nextLevel, validityReasons, summarizeServer, type LevelMeasurement, type LevelVerdict } from './sweep.ts';
import { summarize } from './stats.ts';
import type { ServerSample } from './sweep-types.ts';

/** Runs the level sequence against an oracle that passes up to `capacity` users. */
function sequence(capacity: number, max: number, resolution?: number): number[] {
  const h: LevelVerdict[] = [];
  for (let n = nextLevel(h, max, resolution); n !== null; n = nextLevel(h, max, resolution)) h.push({ concurrency: n, pass: n <= capacity });
  return h.map((x) => x.concurrency);
}

test('doubles until a level breaks, then bisects to the resolution', () => {
  assert.deepEqual(sequence(6, 64), [1, 2, 4, 8, 6, 7]);
  assert.deepEqual(sequence(5, 64), [1, 2, 4, 8, 6, 5]);
  assert.deepEqual(sequence(100, 64), [1, 2, 4, 8, 16, 32, 64]); // never broke: stops at max
  assert.deepEqual(sequence(100, 48), [1, 2, 4, 8, 16, 32, 48]); // max is tested even off the doubling
  assert.deepEqual(sequence(0, 64), [1]); // even one user breaks
  // Default resolution between 64 and 128 is 8 users.
  const s = sequence(90, 1024);
  assert.deepEqual(s, [1, 2, 4, 8, 16, 32, 64, 128, 96, 80, 88]);
  const exact = sequence(90, 1024, 1);
  const h = exact.map((c) => ({ concurrency: c, pass: c <= 90 }));
  assert.ok(h.some((x) => x.concurrency === 90 && x.pass) && h.some((x) => x.concurrency === 91 && !x.pass));
});

const T = { ...TIMING.quick, minMs: 1000, maxMs: 5000, warmupMaxMs: 8000, k: 2, minEarlySamples: 10 };
const ci = (n: number, low: number, high: number, max = high) => ({ n, low, high, max });

test('level stop: waits for k·N and min time, stops early when clearly above or below the SLA', () => {
  const base = { phase: 'measuring' as const, concurrency: 4, elapsedMs: 3000, measuringMs: 1200 };
  assert.equal(decideLevelStop({ ...base, done: 7, ttft: ci(100, 10, 50) }, T).stop, false); // < k·N
  assert.equal(decideLevelStop({ ...base, measuringMs: 900, done: 100, ttft: ci(100, 10, 50) }, T).stop, false); // < min time
  const below = decideLevelStop({ ...base, done: 100, ttft: ci(100, 10, 50) }, T);
  assert.ok(below.stop && below.early === 'below');
  // Few samples: no finite upper bound, so no pass however low they are. A level that cannot
  // collect the 59 a p95 bound needs by its cap stops now, undecided (inconclusive); one that can, goes on.
  const few = decideLevelStop({ ...base, done: 8, ttft: ci(8, 10, Infinity, 300), warmupMs: 2000 }, T);
  assert.ok(few.stop && few.early === null && /too few samples: 8 TTFT.*p95 needs ≥ 59/.test(few.reason), JSON.stringify(few));
  assert.equal(decideLevelStop({ ...base, done: 40, ttft: ci(40, 10, Infinity, 300), warmupMs: 100 }, T).stop, false);
  const above = decideLevelStop({ ...base, measuringMs: 100, done: 3, ttft: ci(12, 2500, Infinity) }, T);
  assert.ok(above.stop && above.early === 'above');
  const undecided = decideLevelStop({ ...base, measuringMs: 5000, done: 100, ttft: ci(100, 1500, 2500) }, T);
  assert.ok(undecided.stop && undecided.early === null && /max time/.test(undecided.reason));
  // Requests longer than the window: the cap stretches to k rounds (warm-up ≈ one round) + 25%,
  // so the window is not just the fastest few; never past maxMs + warmupMaxMs.
  const slow = { ...base, done: 5, ttft: ci(5, 1200, Infinity, 1400), warmupMs: 4000 };
  assert.equal(windowCapMs(slow, T), 10_000);
  assert.equal(decideLevelStop({ ...slow, measuringMs: 6000 }, T).stop, false);
  // Short of the 59 samples a pass needs, the window may run the rounds that takes (15 here), up
  // to maxMs + warmupMaxMs = 13 s.
  assert.equal(windowCapMs(slow, T, 59), 13_000);
  assert.equal(windowCapMs({ warmupMs: 800, concurrency: 16 }, T, 59), 5000); // (4 + 1) rounds × 0.8 s × 1.15 < maxMs
  assert.equal(windowCapMs({ warmupMs: 2000, concurrency: 16 }, T, 59), 11_500); // (4 + 1) rounds × 2 s × 1.15
  assert.equal(windowCapMs({ warmupMs: 2000, concurrency: 16 }, { ...T, maxSampleMs: 7000 }, 59), 7000);
  assert.equal(decideLevelStop({ ...slow, measuringMs: 10_000 }, T).stop, false);
  assert.match((decideLevelStop({ ...slow, measuringMs: 13_000 }, T) as { reason: string }).reason, /max time 13s/);
  // ...but once k·N requests are in past maxMs, the undecided level stops there.
  const kn = decideLevelStop({ ...slow, measuringMs: 5000, done: 80, ttft: ci(80, 1200, 2400, 2400) }, T);
  assert.ok(kn.stop && /past max time 5s with k·N = 8/.test(kn.reason), JSON.stringify(kn));
  assert.equal(decideLevelStop({ ...slow, measuringMs: 4900, done: 80, ttft: ci(80, 1200, 2400, 2400) }, T).stop, false);
  // Too few samples to pass even by the cap: stopped now as undecided, not run to the cap.
  const thin = decideLevelStop({ ...slow, measuringMs: 5000, done: 8, ttft: ci(8, 1200, Infinity, 1400) }, T);
  assert.ok(thin.stop && thin.early === null && /too few samples/.test(thin.reason), JSON.stringify(thin));
  assert.equal(windowCapMs({ warmupMs: 60_000 }, T), 13_000);
  assert.equal(windowCapMs({ warmupMs: 1000 }, T), 5000);
  // Warm-up: only an overloaded level (after min time) or the warm-up limit ends it.
  assert.equal(decideLevelStop({ ...base, phase: 'warmup', measuringMs: 0, elapsedMs: 500, done: 0, ttft: ci(20, 3000, Infinity) }, T).stop, false);
  assert.ok(decideLevelStop({ ...base, phase: 'warmup', measuringMs: 0, elapsedMs: 1500, done: 0, ttft: ci(20, 3000, Infinity) }, T).stop);
  assert.ok(decideLevelStop({ ...base, phase: 'warmup', measuringMs: 0, elapsedMs: 8000, done: 0, ttft: ci(0, -Infinity, Infinity) }, T).stop);
});

function measurement(over: Partial<LevelMeasurement> = {}): LevelMeasurement {
  const ttfts = Array.from({ length: 100 }, (_, i) => 100 + i);
  return {
    shape: 'support',
    concurrency: 4,
    measured: true,
    windowMs: 10_000,
    completed: 100,
    failed: 0,
    errorsByClass: {},
    ttft: summarize(ttfts),
    tpot: summarize(ttfts.map(() => 15)),
    itl: summarize(ttfts.map(() => 20)),
    e2el: summarize(ttfts.map(() => 400)),
    allDoneMeanMs: 400, // 100 done / 10 s × 0.4 s = 4 in flight: Little holds
    outputTokens: 100 * 128,
    promptTokens: 100 * 256,
    goodCount: 100,
    tokenSource: 'usage',
    maxInFlight: 4,
    meanInFlight: 3.98,
    lagP99Ms: 1,
    lagMaxMs: 2,
    stopReason: 'test',
    requestedOutputTokens: 128,
    requestedPromptTokens: 256,
    notes: [],
    ...over,
  };
}
const samples = (waiting: number[], running = 4, kv: number | null = 0.3): ServerSample[] => waiting.map((w, i) => ({ t: i, engine: 'nim', running, waiting: w, kvCache: kv }));

test('a clean level is valid and passes with grades', () => {
  const r = evaluateLevel(measurement(), samples([0, 0, 0, 0]));
  assert.deepEqual(r.invalidReasons, []);
  assert.equal(r.verdict, 'pass');
  assert.deepEqual(r.grades, { ttft: 'excellent', outputSpeed: 'excellent', kvCache: 'excellent', success: 'excellent' });
  assert.equal(r.reqPerS, 10);
  assert.equal(r.outputTokPerS, 1280);
  assert.equal(r.goodput, 10);
});

test('break rules: queue in most samples, TTFT p95 over 2 s, success under 95%', () => {
  assert.deepEqual(evaluateLevel(measurement(), samples([1, 1, 0, 1])).brokeBy, ['queue']);
  assert.deepEqual(evaluateLevel(measurement(), samples([1, 0, 0, 1])).brokeBy, []); // half is not most
  const slow = measurement({ ttft: summarize(Array.from({ length: 100 }, (_, i) => 1000 + i * 20)) });
  assert.deepEqual(evaluateLevel(slow, samples([0])).brokeBy, ['ttft']);
  const errs = measurement({ completed: 90, failed: 10, errorsByClass: { http_500: 10 }, allDoneMeanMs: 400 });
  assert.deepEqual(evaluateLevel(errs, samples([0])).brokeBy, ['success']);
  // No metrics: the queue rule cannot trip (unknown is not 0 and not > 0).
  assert.equal(evaluateLevel(measurement(), []).server.queuedShare, null);
});

test('validity checks flag what makes numbers untrustworthy', () => {
  const s = summarizeServer(samples([0, 0]));
  const has = (m: LevelMeasurement, re: RegExp, srv = s) => validityReasons(m, srv).some((r) => re.test(r));
  assert.ok(has(measurement({ lagP99Ms: 60 }), /event loop lagged/));
  assert.ok(has(measurement({ maxInFlight: 3 }), /never reached 4/));
  assert.ok(has(measurement({ meanInFlight: 3.0 }), /client held only/));
  assert.ok(has(measurement({ allDoneMeanMs: 300 }), /Little's law/)); // 10/s × 0.3 s = 3 ≠ 4
  assert.ok(has(measurement(), /server reports 8\.0/, summarizeServer(samples([4, 4]))));
  assert.ok(has(measurement({ outputTokens: 100 * 60 }), /delivered 60\.0 output tokens/));
  assert.deepEqual(validityReasons(measurement(), s), []);
});

test('a level stopped in warm-up is INVALID unless it stopped on a clear overload', () => {
  const empty = { ttft: summarize([]), tpot: summarize([]), itl: summarize([]), e2el: summarize([]), completed: 0, failed: 0, outputTokens: 0, promptTokens: 0, goodCount: 0, allDoneMeanMs: 0 };
  const timedOut = evaluateLevel(measurement({ ...empty, measured: false, concurrency: 64, maxInFlight: 64 }), samples([0, 0]));
  assert.ok(!timedOut.valid && /no measured window/.test(timedOut.invalidReasons.join()));
  // Queue in every scrape before anything finished: a valid break by the queue rule, and an empty
  // level has no success rate to fail.
  const queued = evaluateLevel(measurement({ ...empty, measured: false, decidedInWarmup: true, concurrency: 64, maxInFlight: 64 }), samples([4, 6, 5], 60));
  assert.deepEqual(queued.invalidReasons, []);
  assert.equal(queued.verdict, 'break');
  assert.deepEqual(queued.brokeBy, ['queue']);
  assert.equal(limitedBy(queued), 'queueing');
});

test('breaking point: last pass, first fail, first rule, what limited it', () => {
  const pass = (c: number) => evaluateLevel(measurement({ concurrency: c, maxInFlight: c, meanInFlight: c, allDoneMeanMs: (c / 10) * 1000 }), samples([0, 0], c));
  const q = (c: number, kv: number | null = 0.5) => evaluateLevel(measurement({ concurrency: c, maxInFlight: c, meanInFlight: c, allDoneMeanMs: (c / 10) * 1000 }), samples([1, 1, 1], c, kv));
  const bp = breakingPoint('support', [pass(1), pass(2), pass(4), q(8), pass(6), q(7)]);
  assert.deepEqual(bp, { shape: 'support', lastPassing: 6, firstFailing: 7, rule: 'queue', resolution: 1, limitedBy: 'queueing', status: 'found', inconclusive: 0 });
  assert.equal(breakingPoint('support', [pass(1), q(2, 0.97)]).limitedBy, 'kv-cache');
  const none = breakingPoint('support', [pass(1), pass(2)]);
  assert.equal(none.firstFailing, null);
  assert.equal(none.limitedBy, 'max-concurrency');
});
