import { test } from 'node:test';
import assert from 'node:assert/strict';
import { economics, gradeKvCache, gradeOutputSpeed, gradeSuccess, gradeTtft, meetsGoodput } from './sla.ts';

test('seed 001 grade thresholds', () => {
  assert.deepEqual([gradeTtft(199), gradeTtft(200), gradeTtft(799), gradeTtft(800), gradeTtft(2500)], ['excellent', 'acceptable', 'acceptable', 'degraded', 'degraded']);
  assert.deepEqual([gradeOutputSpeed(51), gradeOutputSpeed(50), gradeOutputSpeed(21), gradeOutputSpeed(9)], ['excellent', 'acceptable', 'acceptable', 'degraded']);
  assert.deepEqual([gradeKvCache(0.69), gradeKvCache(0.9), gradeKvCache(0.96), gradeKvCache(null)], ['excellent', 'acceptable', 'degraded', null]);
  assert.deepEqual([gradeSuccess(1), gradeSuccess(0.99), gradeSuccess(0.98)], ['excellent', 'acceptable', 'degraded']);
});

test('goodput needs every SLO', () => {
  assert.equal(meetsGoodput({ ttftMs: 500, tpotMs: 50, e2elMs: 9000 }), true);
  assert.equal(meetsGoodput({ ttftMs: 2500, tpotMs: 50, e2elMs: 9000 }), false);
  assert.equal(meetsGoodput({ ttftMs: 500, tpotMs: 150, e2elMs: 9000 }), false);
});

test('economics at the last passing level', () => {
  const e = economics({ concurrency: 40, outputTokPerS: 1000 }, { gpuCount: 2, gpuHourlyUsd: 2, priceTable: 'oci-2026-01' })!;
  assert.equal(e.outputTokPerSPerGpu, 500);
  // $4/h for 3.6M tokens/h → $1.111 per million
  assert.ok(Math.abs(e.usdPerMillionOutputTokens - 4 / 3.6) < 1e-9);
  assert.equal(e.usersPerGpuDollar, 10);
  assert.equal(e.priceTable, 'oci-2026-01');
  assert.equal(economics(null, { gpuCount: 1, gpuHourlyUsd: 2, priceTable: 'x' }), null);
});
