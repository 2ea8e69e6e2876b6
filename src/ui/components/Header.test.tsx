import { test } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { Header } from './Header.tsx';
import { renderWithProviders } from '../test-utils.tsx';
import { eventsUntil, failedDeployEvents, sampleEvents, EventLog, SIM_META } from '../fixtures.ts';

test('simulated mode is shown plainly, with model, GPU shape × count, elapsed and cost', () => {
  // 6 minutes in: the A10 ($2/h) has run ~5.98 min → ~$0.20, plus LB and PVC.
  const r = renderWithProviders(<Header />, { events: eventsUntil(sampleEvents(), 300_000), now: 360_000 });
  const f = r.frame();
  assert.match(f, /SIMULATED/);
  assert.match(f, /meta\/llama-3\.1-8b-instruct/);
  assert.match(f, /VM\.GPU\.A10\.1 × 1/);
  assert.match(f, /elapsed 06:00/);
  assert.match(f, /cost \$0\.20/);
  assert.match(f, /\$2\.01\/h running/);
  assert.match(f, /prices oci-list-2026-01/);
  assert.match(f, /Deploying/);
  r.unmount();
});

test('cluster mode names the context and namespace; a failed session says so', () => {
  const r = renderWithProviders(<Header />, { events: [...failedDeployEvents(), ...new EventLog().add(60_000, { type: 'session.ended', status: 'failed', reason: 'deploy failed' }).events.map((e) => ({ ...e, seq: 99 }))] });
  const f = r.frame();
  assert.match(f, /CLUSTER/);
  assert.match(f, /oke-prod \/ nimble/);
  assert.doesNotMatch(f, /SIMULATED/);
  assert.match(f, /Failed/);
  assert.match(f, /1 error/);
  r.unmount();
});

test('a standalone sweep shows ENDPOINT and its URL', () => {
  const log = new EventLog().add(0, { type: 'session.started', meta: { ...SIM_META, mode: 'endpoint', sim: undefined, target: 'http://10.0.0.5:8000' } });
  const r = renderWithProviders(<Header />, { events: log.events });
  assert.match(r.frame(), /ENDPOINT\s+meta\/llama.*http:\/\/10\.0\.0\.5:8000/);
  r.unmount();
});
