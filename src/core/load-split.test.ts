import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeParts, mergeProgress, mergedWindowMs, splitLevel, type LoaderProgress, type Part } from './load-split.ts';
import { quantileCI, sortNumbers, summarize } from './stats.ts';
import type { LevelMeasurement } from './sweep.ts';

test('splitLevel: shares differ by at most one, cover every user once, and skip empty loaders', () => {
  for (const [c, w] of [[1, 3], [2, 3], [7, 3], [8, 4], [9, 4], [100, 7], [256, 3]]) {
    const s = splitLevel(c, w);
    assert.equal(s.reduce((a, x) => a + x.users, 0), c);
    assert.equal(s.length, Math.min(c, w));
    const sizes = s.map((x) => x.users);
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `${c}/${w}: ${sizes}`);
    let next = 0;
    for (const x of s) {
      assert.equal(x.userOffset, next);
      next += x.users;
    }
  }
  assert.throws(() => splitLevel(0, 2), /concurrency/);
  assert.throws(() => splitLevel(4, 0), /loaders/);
});

function rng(seed: number) {
  let x = seed >>> 0;
  return () => ((x = (x * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function partOf(samples: Part['samples'], over: Partial<LevelMeasurement> = {}): Part {
  const m: LevelMeasurement = {
    shape: 'support', concurrency: 1, measured: true, windowMs: 1000, completed: samples.ttft.length, failed: 0, errorsByClass: {},
    ttft: summarize(samples.ttft), tpot: summarize(samples.tpot), itl: summarize(samples.itl), e2el: summarize(samples.e2el),
    allDoneMeanMs: 100, outputTokens: 10 * samples.ttft.length, promptTokens: 5 * samples.ttft.length, goodCount: samples.ttft.length,
    tokenSource: 'usage', maxInFlight: 2, meanInFlight: 1.9, lagP99Ms: 1, lagMaxMs: 2, stopReason: 'x', requestedOutputTokens: 10, requestedPromptTokens: 5, notes: [],
    ...over,
  };
  return { m, samples };
}

test('mergeParts: percentiles after the merge equal percentiles over the union of the samples (through the wire encoding)', () => {
  const r = rng(7);
  // Skewed, differently sized loaders: one slow loader must move the union's tail.
  const sets = [40, 113, 7].map((n, k) => {
    const gen = (scale: number) => Array.from({ length: n }, () => scale * (1 + k) * -Math.log(1 - r()));
    return { ttft: gen(100), tpot: gen(20), e2el: gen(900), itl: gen(20).concat(gen(20)) };
  });
  // Rounded to whole microseconds, as a loader sends them (src/load/remote/wire.ts).
  const us = (a: number[]) => a.map((x) => Math.round(x * 1000) / 1000);
  const wired = sets.map((s) => ({ ttft: us(s.ttft), tpot: us(s.tpot), e2el: us(s.e2el), itl: us(s.itl) }));
  const parts = wired.map((s, k) => partOf(s, { failed: k, errorsByClass: k ? { http_500: k } : {}, lagP99Ms: k * 3, windowMs: 1000 + k }));
  const m = mergeParts(160, parts, 'stop');
  const union = (k: 'ttft' | 'tpot' | 'e2el' | 'itl') => wired.flatMap((s) => s[k]);
  for (const k of ['ttft', 'tpot', 'e2el', 'itl'] as const) assert.deepEqual(m[k], summarize(union(k)), k);
  // The wire changes a value by at most half a microsecond.
  for (let i = 0; i < sets[0].ttft.length; i++) assert.ok(Math.abs(wired[0].ttft[i] - sets[0].ttft[i]) <= 0.0005);
  assert.equal(m.completed, 160);
  assert.equal(m.failed, 3);
  assert.deepEqual(m.errorsByClass, { http_500: 3 });
  assert.equal(m.maxInFlight, 6);
  assert.ok(Math.abs(m.meanInFlight - 5.7) < 1e-9);
  assert.equal(m.lagP99Ms, 6, 'the worst loader');
  assert.equal(m.concurrency, 160);
});

test('mergeParts: the merged window keeps the total request rate the sum of the loaders\' rates', () => {
  const a = partOf({ ttft: [1, 2], tpot: [], e2el: [], itl: [] }, { completed: 100, windowMs: 1000 });
  const b = partOf({ ttft: [1], tpot: [], e2el: [], itl: [] }, { completed: 100, windowMs: 2000 });
  const w = mergedWindowMs([a.m, b.m]);
  assert.ok(Math.abs(200 / (w / 1000) - (100 + 50)) < 1e-9);
  const mixed = mergeParts(2, [a, partOf({ ttft: [], tpot: [], e2el: [], itl: [] }, { completed: 0, measured: false })], 's');
  assert.equal(mixed.measured, false);
  assert.ok(mixed.notes.some((n) => /warm-up/.test(n)));
  assert.throws(() => mergeParts(2, [], 's'), /no loader/);
});

test('mergeProgress: measuring only when every loader is; the CI is over the union plus requests past the SLA', () => {
  const p = (phase: 'warmup' | 'measuring', ttft: number[], overSla: number[] = [], measuringMs = 0): LoaderProgress => ({ phase, inFlight: 3, maxInFlight: 4, completed: ttft.length, failed: 0, measuringMs, lagP99Ms: 1, ttft, overSla });
  const a = Array.from({ length: 50 }, (_, i) => 100 + i);
  const b = Array.from({ length: 50 }, (_, i) => 300 + i);
  const warm = mergeProgress([p('measuring', a, [], 900), p('warmup', b)], 0.95);
  assert.equal(warm.phase, 'warmup');
  assert.equal(warm.measuringMs, 0);
  const m = mergeProgress([p('measuring', a, [], 900), p('measuring', b, [2500], 700)], 0.95);
  assert.equal(m.phase, 'measuring');
  assert.equal(m.measuringMs, 700);
  const union = sortNumbers([...a, ...b, 2500]);
  const ci = quantileCI(union, 0.95, 0.9);
  assert.deepEqual(m.ttft, { n: 101, low: ci.low, high: ci.high, max: 2500 });
  assert.equal(m.inFlight, 6);
  assert.equal(m.maxInFlight, 8);
  assert.equal(m.completed, 100);
});
