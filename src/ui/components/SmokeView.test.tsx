import { test } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { SmokeView } from './SmokeView.tsx';
import { renderWithProviders } from '../test-utils.tsx';
import { eventsUntil, sampleEvents, EventLog } from '../fixtures.ts';

test('the four checks with their time and detail', () => {
  const r = renderWithProviders(<SmokeView />, { events: sampleEvents() });
  const f = r.frame();
  assert.match(f, /✓\s+Ready.*18\.0 ms\s+HTTP 200/);
  assert.match(f, /✓\s+Models.*meta\/llama-3\.1-8b-instruct/);
  assert.match(f, /✓\s+Streamed chat completion\s+1\.93 s\s+TTFT 84 ms/);
  assert.match(f, /✓\s+Metrics/);
  assert.match(f, /4 of 4 checks passed/);
  assert.match(f, /http:\/\/127\.0\.0\.1:41807 \(via simulator\)/);
  r.unmount();
});

test('checks not yet run wait; a failed check shows ✗ and its detail', () => {
  const events = eventsUntil(sampleEvents(), 412_540);
  const failed = new EventLog();
  const extra = failed.add(413_000, { type: 'smoke.check', check: { name: 'chat', ok: false, ms: 30_000, detail: 'timeout after 30 s' } }).events.map((e) => ({ ...e, seq: 1000 }));
  const r = renderWithProviders(<SmokeView />, { events: [...events, ...extra] });
  const f = r.frame();
  assert.match(f, /✗\s+Streamed chat completion\s+30\.00 s\s+timeout after 30 s/);
  assert.match(f, /○\s+Metrics.*waiting…/);
  assert.match(f, /2 of 4 checks passed/);
  r.unmount();
});
