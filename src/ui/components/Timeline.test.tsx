import { test } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { TimelineView, budgetBar } from './Timeline.tsx';
import { frameWidth, renderWithProviders } from '../test-utils.tsx';
import { eventsUntil, failedDeployEvents, sampleEvents } from '../fixtures.ts';

const line = (f: string, name: string) => f.split('\n').find((l) => l.includes(name)) ?? '';

test('six phases in order with budgets of the target tier and the achieved tier', () => {
  const r = renderWithProviders(<TimelineView />, { events: sampleEvents() });
  const f = r.frame();
  const names = ['GPU Node Ready', 'Image Pull', 'Model Download', 'NIM Startup', 'LoadBalancer Ready', 'Health Check'];
  const at = names.map((n) => f.indexOf(n));
  assert.ok(at.every((i, k) => i > 0 && (k === 0 || i > at[k - 1])), 'in PHASE_ORDER');
  assert.match(f, /budgets of the Fast tier/);
  assert.match(line(f, 'Image Pull'), /✓.*1m15s.*2m00s.*Fast/);
  assert.match(line(f, 'NIM Startup'), /4m10s.*5m00s.*Fast/);
  assert.match(line(f, 'LoadBalancer Ready'), /∥/);
  assert.match(f, /runs in parallel/);
  assert.match(f, /Deploy total 6m51s of 12m00s \(Fast target\) → achieved Ultra-Fast/);
  assert.match(f, /✓ warm node/);
  r.unmount();
});

test('a running phase shows its live duration from the session clock', () => {
  const r = renderWithProviders(<TimelineView />, { events: eventsUntil(sampleEvents(), 300_000), now: 320_000 });
  const f = r.frame();
  assert.match(line(f, 'NIM Startup'), /◐.*2m49s.*running…/);
  assert.match(line(f, 'Health Check'), /○.*—/);
  r.unmount();
});

test('a failure shows the diagnosis box: title, evidence, fix', () => {
  const r = renderWithProviders(<TimelineView width={80} />, { events: failedDeployEvents(), size: { columns: 80, rows: 24 } });
  const f = r.frame();
  assert.match(line(f, 'Image Pull'), /✗.*failed/);
  assert.match(f, /Image pull refused: NGC credentials/);
  assert.match(f, /Evidence\s+Failed to pull image/);
  assert.match(f, /Fix\s+Create the ngc-secret/);
  assert.match(f, /budgets of the Typical tier/);
  assert.ok(frameWidth(f) <= 80, `fits 80 columns (${frameWidth(f)})`);
  r.unmount();
});

test('budget bar fills with the share of the budget used', () => {
  assert.equal(budgetBar(60_000, 120_000, 10), '█████░░░░░');
  assert.equal(budgetBar(300_000, 120_000, 4), '████');
  assert.equal(budgetBar(null, 120_000, 3), '   ');
});
