import { test } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { CleanupView } from './CleanupView.tsx';
import { renderWithProviders } from '../test-utils.tsx';
import { EventLog, eventsUntil, sampleEvents } from '../fixtures.ts';
import type { NimbleEvent } from '../../core/events.ts';

const all = sampleEvents();
const cleanupStart = all.find((e) => e.type === 'stage.started' && e.stage === 'cleanup')!.t;

test('steps done and pending while cleanup runs, with what still bills', () => {
  const r = renderWithProviders(<CleanupView />, { events: eventsUntil(all, cleanupStart + 10_000), now: cleanupStart + 20_000 });
  const f = r.frame();
  assert.match(f, /✓ Helm release\s+helm uninstall nimble-llama/);
  assert.match(f, /○ Pods\s+pending/);
  assert.match(f, /Still billing \(3\)/);
  assert.match(f, /Cleanup 20s of 2m00s \(Fast target\)/);
  r.unmount();
});

test('the report: kept cache with its monthly cost; leftovers in red with $/h', () => {
  const done = renderWithProviders(<CleanupView />, { events: all });
  assert.match(done.frame(), /Nothing left running/);
  assert.match(done.frame(), /Model cache kept nimble-llama-cache \(50 GiB\) · \$2\.28\/month/);
  assert.match(done.frame(), /→ Ultra-Fast/);
  done.unmount();
  const log = new EventLog().add(cleanupStart + 60_000, { type: 'cleanup.finished', report: { ok: false, leftovers: [{ kind: 'service', name: 'nimble-llama', namespace: 'nimble', detail: 'LB still has an address', hourlyUsd: 0.0113 }] } });
  const events = [...eventsUntil(all, cleanupStart + 53_000), ...log.events.map((e) => ({ ...e, seq: 9000 }) as NimbleEvent)];
  const r = renderWithProviders(<CleanupView />, { events });
  assert.match(r.frame(), /✗ 1 leftover still cost money/);
  assert.match(r.frame(), /service nimble\/nimble-llama · \$0\.011\/h · LB still has an address/);
  r.unmount();
});
