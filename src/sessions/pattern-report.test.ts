import { test } from 'node:test';
import assert from 'node:assert/strict';
import { niceStep, svgChart } from './pattern-report.ts';

test('niceStep: round tick steps', () => {
  assert.equal(niceStep(2300), 1000);
  assert.equal(niceStep(11), 5);
  assert.equal(niceStep(45), 20);
  assert.equal(niceStep(0.9), 0.25);
  assert.equal(niceStep(100), 25);
});

test('svgChart: round ticks, every phase named, load in the legend, right axis, marked instant', () => {
  const svg = svgChart({
    title: 'T',
    yUnit: (v) => `${v}`,
    xMax: 60_000,
    series: [
      { label: 'a', colour: '#000', points: [{ x: 1000, y: 2300 }, { x: 3000, y: null }, { x: 5000, y: 100 }] },
      { label: 'b', colour: '#111', right: true, points: [{ x: 1000, y: 40 }] },
    ],
    right: { max: 100, unit: (v) => `${v} %` },
    load: { label: 'users', points: [{ x0: 0, x1: 20_000, v: 4 }, { x0: 20_000, x1: 60_000, v: 24 }] },
    phases: [{ x: 0, label: 'before' }, { x: 20_000, label: 'spike' }],
    vLine: { x: 40_000, label: 'recovered' },
  });
  const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
  for (const t of ['0', '1000', '2000', '3000', 'before', 'spike', 'recovered', '100 %', 'users (grey, peak 24)', 'b (right axis)', '10s', '1m00s']) assert.ok(texts.includes(t), `${t} in ${texts.join(' | ')}`);
  assert.ok(!texts.some((t) => /\d\.\d{3,}/.test(t)), 'no unround tick');
  // A gap where a window had no value: the line lifts its pen.
  assert.match(svg, /<path d="M[\d.]+,[\d.]+M[\d.]+,[\d.]+" fill="none" stroke="#000"/);
});
