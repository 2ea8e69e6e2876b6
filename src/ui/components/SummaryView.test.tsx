import { test } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { SummaryView } from './SummaryView.tsx';
import { renderWithProviders } from '../test-utils.tsx';
import { failedDeployEvents, sampleEvents } from '../fixtures.ts';

test('times and tiers per stage, cost by price item with the table named, breaking points, saved path', () => {
  const r = renderWithProviders(<SummaryView />, { events: sampleEvents(), savedTo: 'sessions/2026-01-15T10-00-00-sim-a10.json' });
  const f = r.frame();
  assert.match(f, /COMPLETED/);
  assert.match(f, /Deploy\s+6m51s\s+12m00s\s+Ultra-Fast/);
  assert.match(f, /Test\s+4m27s\s+3m00s\s+Typical/);
  assert.match(f, /Cleanup\s+54s\s+2m00s\s+Ultra-Fast/);
  assert.match(f, /Total\s+12m12s\s+17m00s\s+Fast/);
  assert.match(f, /prices: oci-list-2026-01/);
  assert.match(f, /1× GPU on VM\.GPU\.A10\.1.*\$2\.00\/h\s+\$0\.39/);
  assert.match(f, /load balancer/);
  assert.match(f, /Total \$0\.40/);
  assert.match(f, /support\s+48–56 users\s+48 pass, 56 break by the ttft rule · ±8 · limited by queueing/);
  assert.match(f, /summary\s+8–12 users\s+8 pass, 12 break by the queue rule/);
  assert.match(f, /Saved to sessions\/2026-01-15T10-00-00-sim-a10\.json/);
  r.unmount();
});

test('a failed session shows its errors, the diagnosis and no sweep', () => {
  const r = renderWithProviders(<SummaryView />, { events: failedDeployEvents() });
  const f = r.frame();
  assert.match(f, /RUNNING/);
  assert.match(f, /✗ deploy: Deploy failed: image pull refused/);
  assert.match(f, /Image pull refused: NGC credentials/);
  assert.match(f, /Not saved yet/);
  r.unmount();
});
