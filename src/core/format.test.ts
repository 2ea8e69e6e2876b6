import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetText, clockText, countDelta, durationDelta, durationText, hourlyText, latencyRangeText, latencyText, pctPointsDelta, pctText, usdDelta, usdText } from './format.ts';

test('durations: one rounding rule (half-up at the last digit shown), from under a second to hours', () => {
  assert.equal(durationText(0), '0s');
  assert.equal(durationText(40), '0s');
  assert.equal(durationText(5_020), '5s'); // ".0" dropped, as for percentages
  assert.equal(durationText(420), '0.4s');
  assert.equal(durationText(4_249), '4.2s');
  assert.equal(durationText(4_250), '4.3s');
  assert.equal(durationText(9_960), '10s'); // rounds up into the next form, never "10.0s"
  assert.equal(durationText(45_000), '45s');
  assert.equal(durationText(59_600), '1m00s'); // never "60s"
  assert.equal(durationText(1_053_499), '17m33s');
  assert.equal(durationText(1_053_500), '17m34s'); // the summary used to floor this to 17m33s
  assert.equal(durationText(3_599_600), '1h00m'); // never "60m00s"
  assert.equal(durationText(3_720_000), '1h02m');
  assert.equal(durationText(3_749_999), '1h02m');
  assert.equal(durationText(3_750_000), '1h03m');
  assert.equal(durationText(-4_200), '-4.2s');
  for (const unknown of [null, undefined, NaN, Infinity]) assert.equal(durationText(unknown), '—');
});

test('deltas: the sign comes after rounding, so a zero change is ±0 in every unit', () => {
  assert.equal(durationDelta(62_000), '+1m02s');
  assert.equal(durationDelta(-4_200), '−4.2s');
  assert.equal(durationDelta(0), '±0s');
  assert.equal(durationDelta(-30), '±0s'); // used to read "−0s"
  assert.equal(durationDelta(30), '±0s'); // used to read "+0s"
  assert.equal(durationDelta(-252_000), '−4m12s');
  assert.equal(durationDelta(null), '—');
  assert.equal(usdDelta(0.12), '+$0.12');
  assert.equal(usdDelta(-0.0042), '−$0.0042');
  assert.equal(usdDelta(0), '±$0.00');
  assert.equal(usdDelta(null), '—');
  assert.equal(countDelta(8, 'users'), '+8 users');
  assert.equal(countDelta(-8, 'users'), '−8 users');
  assert.equal(countDelta(0, 'users'), '±0');
  assert.equal(pctPointsDelta(0.025), '+2.5 pts');
  assert.equal(pctPointsDelta(-0.1), '−10 pts');
  assert.equal(pctPointsDelta(0.0001), '±0 pts');
});

test('money: cents, or two significant digits under 10 cents; unknown is never $0', () => {
  assert.equal(usdText(0), '$0.00');
  assert.equal(usdText(2.005), '$2.00'); // binary 2.005 is just under: half-up on what is stored
  assert.equal(usdText(2.01), '$2.01');
  assert.equal(usdText(0.0995), '$0.10');
  assert.equal(usdText(0.0113), '$0.011');
  assert.equal(usdText(0.05), '$0.05'); // a --budget 0.05 reads back as given
  assert.equal(usdText(0.0101), '$0.01');
  assert.equal(usdText(0.0042), '$0.0042');
  assert.equal(usdText(0.00064), '$0.00064');
  assert.equal(usdText(-1.5), '-$1.50');
  assert.equal(usdText(null), 'unknown');
  assert.equal(hourlyText(2), '$2.00/h');
  assert.equal(hourlyText(0.0113), '$0.011/h');
  assert.equal(hourlyText(null), 'unknown');
});

test('percentages, latencies, budgets and the clock', () => {
  assert.equal(pctText(0.55), '55%');
  assert.equal(pctText(0.975), '97.5%');
  assert.equal(pctText(1), '100%');
  assert.equal(pctText(0.9995), '99.95%'); // not rounded onto 100%
  assert.equal(pctText(0.99999), '>99.99%');
  assert.equal(pctText(0.0002), '<0.1%');
  assert.equal(pctText(0), '0%');
  assert.equal(pctText(null), '—');
  assert.equal(latencyText(84), '84.0 ms');
  assert.equal(latencyText(99.96), '100 ms');
  assert.equal(latencyText(420.4), '420 ms');
  assert.equal(latencyText(999.6), '1.00 s');
  assert.equal(latencyText(2380), '2.38 s');
  assert.equal(latencyText(undefined), '—');
  assert.equal(budgetText(120_000), '2m00s');
  assert.equal(budgetText(30_000), '30s');
  assert.equal(budgetText(0), 'no wait (warm node, ≤ 30s)');
  assert.equal(clockText(567_900), '09:27'); // a clock ticks: floored
  assert.equal(clockText(3_723_000), '1:02:03');
});

test('latencyRangeText: one more digit when both ends would print the same', () => {
  assert.equal(latencyRangeText(100.8, 101.4), '100.8 ms – 101.4 ms');
  assert.equal(latencyRangeText(90, 120), '90.0 ms – 120 ms');
  assert.equal(latencyRangeText(5360, 7870), '5.36 s – 7.87 s');
});
