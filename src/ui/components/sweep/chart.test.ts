import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildChart, sparkline } from './chart.ts';
import { level } from '../../fixtures.ts';

const lv = (c: number, ttft95: number) => level({ shape: 'support', c, ttft50: ttft95 / 2, ttft95, tpot: 30, tokps: 30 * c });

test('levels sit on a log2 x axis: one column group per doubling, bisect levels in between', () => {
  const m = buildChart([lv(1, 100), lv(2, 200), lv(4, 400), lv(8, 3000), lv(6, 1500)], ['support'], 'ttft', 40, 10);
  const labels = m.xLabels;
  const col = (s: string) => labels.indexOf(s);
  const g = col('2') - col('1');
  assert.ok(g >= 2);
  assert.equal(col('4') - col('2'), g);
  assert.equal(col('8') - col('4'), g);
  // markers: c=6 lands at log2(6)=2.585 groups, between the 4 and 8 ticks
  const marks = m.rows.flatMap((r) => r.map((c, i) => (c.ch === '●' ? i : -1)).filter((i) => i >= 0)).sort((a, b) => a - b);
  assert.deepEqual(marks, [col('1'), col('2'), col('4'), col('1') + Math.round(Math.log2(6) * g), col('8')]);
});

test('the SLA line is a dashed row labelled exactly 2.0s', () => {
  const m = buildChart([lv(1, 100), lv(2, 900)], ['support'], 'ttft', 40, 9);
  const row = m.rows.find((r) => r.map((c) => c.ch).join('').trimStart().startsWith('2.0s ┼'));
  assert.ok(row, 'a 2.0s row exists');
  assert.ok(row!.filter((c) => c.series === 'limit' && c.ch === '╌').length > 5);
  assert.ok(m.rows.every((r) => r.length <= 40), 'fits the width');
});

test('sparkline: unknown is "·", never a zero bar', () => {
  assert.equal(sparkline([0, 4, 8, null]), '▁▅█·');
  assert.equal(sparkline([0.5, 1], 1), '▅█');
});
