import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quantileCI, quantileSorted, sortNumbers, summarize } from './stats.ts';

test('linear interpolation matches numpy.percentile defaults', () => {
  const s = sortNumbers([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  // numpy.percentile(range(1,11), [50, 90, 95, 99]) = 5.5, 9.1, 9.55, 9.91
  assert.equal(quantileSorted(s, 0.5), 5.5);
  assert.ok(Math.abs(quantileSorted(s, 0.9) - 9.1) < 1e-12);
  assert.ok(Math.abs(quantileSorted(s, 0.95) - 9.55) < 1e-12);
  assert.ok(Math.abs(quantileSorted(s, 0.99) - 9.91) < 1e-12);
  assert.equal(quantileSorted(sortNumbers([7]), 0.95), 7);
  assert.ok(Number.isNaN(quantileSorted(new Float64Array(0), 0.5)));
});

test('summarize sorts numerically and reports every field', () => {
  const p = summarize([10, 2, 33, 4]);
  assert.deepEqual([p.n, p.min, p.max, p.mean], [4, 2, 33, 12.25]);
  assert.equal(p.p50, 7);
  assert.equal(summarize([]).n, 0);
});

test('p95 CI: unbounded above with fewer than 72 samples at 95%, bounded with more', () => {
  const small = sortNumbers(Array.from({ length: 50 }, (_, i) => i));
  assert.equal(quantileCI(small, 0.95).high, Infinity);
  assert.ok(Number.isFinite(quantileCI(small, 0.95).low));
  const big = sortNumbers(Array.from({ length: 1000 }, (_, i) => i));
  const ci = quantileCI(big, 0.95);
  assert.ok(ci.low < 949.05 && ci.high > 949.05, `${ci.low}–${ci.high}`);
  assert.ok(ci.high - ci.low < 40);
});

test('p95 CI covers the true quantile at least 95% of the time (uniform, n=150)', () => {
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  let covered = 0;
  const trials = 1000;
  for (let t = 0; t < trials; t++) {
    const s = sortNumbers(Array.from({ length: 150 }, rnd));
    const ci = quantileCI(s, 0.95);
    if (ci.low <= 0.95 && 0.95 <= ci.high) covered++;
  }
  assert.ok(covered / trials >= 0.94, `coverage ${covered / trials}`);
});
