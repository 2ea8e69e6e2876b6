import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBudget, formatDuration, formatMs, formatPct, truncate, stringWidth } from './format.ts';

test('durations and budgets read like the tier tables', () => {
  assert.equal(formatBudget(120_000), '2m00s');
  assert.equal(formatBudget(30_000), '30s');
  assert.match(formatBudget(0), /^no wait/);
  assert.equal(formatDuration(4_200), '4.2s');
  assert.equal(formatDuration(45_000), '45s');
  assert.equal(formatDuration(411_000), '6m51s');
  assert.equal(formatDuration(3_720_000), '1h02m');
  assert.equal(formatDuration(null), '—');
});

test('latency, percentages, and unknown is never 0', () => {
  assert.equal(formatMs(84), '84.0 ms');
  assert.equal(formatMs(2380), '2.38 s');
  assert.equal(formatPct(0.55), '55%');
  assert.equal(formatPct(0.975), '97.5%');
  assert.equal(formatPct(null), '—');
});

test('truncate measures terminal columns, not code units', () => {
  assert.equal(truncate('abcdef', 4), 'abc…');
  const wide = truncate('模型下载完成了', 6);
  assert.ok(stringWidth(wide) <= 6, wide);
  assert.equal(truncate('short', 10), 'short');
});
