import { test } from 'node:test';
import assert from 'node:assert/strict';
import { costAt, deploymentResources, hourlyRate, keptCacheMonthlyUsd, projectCycleCost, OCI_LIST_2026_01 as T } from './cost.ts';
import type { ResourceSpan } from './session-state.ts';

const H = 3_600_000;
const gpu = { id: 'gpu-node', priceItem: 'VM.GPU.A10.1', quantity: 1, label: 'gpu' };
const lb = { id: 'lb', priceItem: 'oci-flexible-lb', quantity: 1, label: 'lb' };
const pvc = { id: 'pvc', priceItem: 'block-volume-gb-month', quantity: 730, label: 'pvc' };

test('cost is rate × elapsed per resource, up to the stop time', () => {
  const spans: ResourceSpan[] = [
    { resource: gpu, startedAt: 0, stoppedAt: 1.5 * H },
    { resource: lb, startedAt: 0.5 * H, stoppedAt: 1.5 * H },
    { resource: pvc, startedAt: 0 },
  ];
  const c = costAt(spans, 2 * H, T);
  assert.equal(c.priceTable, 'oci-list-2026-01');
  const by = Object.fromEntries(c.lines.map((l) => [l.id, l.usd]));
  assert.equal(by['gpu-node'], 3.0); // 1.5 h × $2.00
  assert.ok(Math.abs(by.lb! - 0.0113) < 1e-12); // 1 h
  assert.ok(Math.abs(by.pvc! - 0.085) < 1e-12); // 730 GB × 0.0425/730 per hour × 2 h
  assert.ok(Math.abs(c.totalUsd - (3 + 0.0113 + 0.085)) < 1e-12);
  // Only the PVC still runs at 2 h: its burn rate.
  assert.ok(Math.abs(c.runningUsdPerHour - 0.0425) < 1e-12);
});

test('an unknown price item is unknown, never zero', () => {
  const c = costAt([{ resource: { id: 'x', priceItem: 'BM.GPU.MI300X.8', quantity: 8, label: 'x' }, startedAt: 0 }], H, T);
  assert.equal(c.lines[0].usd, null);
  assert.deepEqual(c.unknown, ['BM.GPU.MI300X.8']);
  assert.equal(hourlyRate(T, 'nope', 1), null);
});

test('multi-GPU shapes are priced per GPU', () => {
  assert.equal(hourlyRate(T, 'BM.GPU.H100.8', 8), 80);
  assert.equal(hourlyRate(T, 'VM.GPU.A10.2', 2), 4);
});

test('a deployment projects GPU + LB + volume; a kept cache costs GB × $0.0425 a month', () => {
  const res = deploymentResources({ gpuShape: 'VM.GPU.A10.1', gpuCount: 1, cache: { sizeGi: 50 }, serviceType: 'LoadBalancer' });
  assert.deepEqual(res.map((r) => r.id), ['gpu-node', 'pvc', 'lb']);
  const p = projectCycleCost(res, 1, T);
  assert.ok(p.usd > 2 && p.usd < 2.02, String(p.usd));
  assert.equal(keptCacheMonthlyUsd(200), 8.5);
  const clusterIp = deploymentResources({ gpuShape: 'VM.GPU.A10.1', gpuCount: 1, cache: { sizeGi: 50 }, serviceType: 'ClusterIP' });
  assert.ok(!clusterIp.some((r) => r.id === 'lb'));
});
