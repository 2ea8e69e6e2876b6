// nimble-test: serial — measures timing; runs alone (scripts/run-tests.mjs).
import { afterEach, test } from 'node:test';
import { cleanup } from 'ink-testing-library';
import assert from 'node:assert/strict';
import React from 'react';
import { App, followView } from './App.tsx';
import { frameWidth, renderWithProviders, tick } from './test-utils.tsx';
import { eventsUntil, sampleEvents } from './fixtures.ts';
import { createLiveStore } from './store.ts';
import { QUIT_QUESTION } from './components/QuitConfirm.tsx';

// Unmount whatever a failed test left mounted (its clock interval would keep the runner alive).
afterEach(() => cleanup());

const all = sampleEvents();
// Key presses: give Ink time to re-render and re-subscribe its input listener between keys.
const press = async (r: { stdin: { write(s: string): void } }, key: string) => {
  r.stdin.write(key);
  await tick(150);
};
const sweepT = all.find((e) => e.type === 'stage.started' && e.stage === 'sweep')!.t;

test('the view follows the stage: deploy → timeline, sweep → sweep, ended → summary', async () => {
  const store = createLiveStore({ flushHz: 0 });
  store.getState().pushMany(eventsUntil(all, 100_000));
  const r = renderWithProviders(<App now={() => 100_000} onQuit={() => {}} />, { store });
  await tick();
  assert.match(r.frame(), /Deploy timeline/);
  store.getState().pushMany(all.filter((e) => e.t > 100_000 && e.t <= sweepT + 30_000));
  await tick();
  assert.match(r.frame(), /TTFT p95 vs concurrent users/);
  store.getState().pushMany(all.filter((e) => e.t > sweepT + 30_000));
  await tick();
  assert.match(r.frame(), /Session .* COMPLETED/);
  r.unmount();
  assert.equal(followView({ stage: 'smoke', status: 'running' }), 'smoke');
});

test('a number key picks a view and stops following; f follows again; t switches the metric', async () => {
  const store = createLiveStore({ flushHz: 0, initial: undefined });
  store.getState().pushMany(eventsUntil(all, sweepT + 30_000));
  const r = renderWithProviders(<App now={() => sweepT + 30_000} onQuit={() => {}} />, { store });
  await tick();
  await press(r, 't');
  assert.match(r.frame(), /TPOT p50 vs concurrent users/);
  await press(r, '6');
  assert.match(r.frame(), /Logs · last/);
  store.getState().pushMany(all.filter((e) => e.t > sweepT + 30_000));
  await tick();
  assert.match(r.frame(), /Logs · last/, 'stays on the picked view');
  assert.match(r.frame(), /f follow/);
  await press(r, 'f');
  assert.match(r.frame(), /COMPLETED/);
  r.unmount();
});

test('q while paid resources run asks first; n dismisses, y quits', async () => {
  let quits = 0;
  const r = renderWithProviders(<App now={() => 200_000} onQuit={() => quits++} />, { events: eventsUntil(all, 200_000) });
  await tick();
  await press(r, 'q');
  assert.match(r.frame(), new RegExp(QUIT_QUESTION.replace(/[()?]/g, '\\$&')));
  assert.match(r.frame(), /Still billing: 1× GPU on VM\.GPU\.A10\.1/);
  await press(r, 'n');
  assert.doesNotMatch(r.frame(), /clean up and quit\?/);
  assert.equal(quits, 0);
  await press(r, 'q');
  await press(r, 'y');
  assert.equal(quits, 1);
  r.unmount();
});

test('q after a finished session with nothing billing quits at once', async () => {
  let quits = 0;
  const r = renderWithProviders(<App now={() => 0} onQuit={() => quits++} />, { events: all });
  await tick();
  await press(r, 'q');
  assert.equal(quits, 1);
  assert.doesNotMatch(r.frame(), /clean up and quit/);
  r.unmount();
});

test('? opens the help generated from the keymap; the frame fits 100×30 and 80×24', async () => {
  const r = renderWithProviders(<App now={() => 0} onQuit={() => {}} />, { events: all });
  await tick();
  const lines = r.frame().split('\n');
  assert.ok(lines.length <= 29, `height ${lines.length}`);
  assert.ok(frameWidth(r.frame()) <= 100);
  await press(r, '?');
  assert.match(r.frame(), /Cycle the chart metric/);
  assert.match(r.frame(), /Esc close/);
  r.unmount();
  const small = renderWithProviders(<App now={() => 0} onQuit={() => {}} />, { events: eventsUntil(all, sweepT + 100_000), size: { columns: 80, rows: 24 } });
  await tick();
  assert.ok(small.frame().split('\n').length <= 23, `height ${small.frame().split('\n').length}`);
  assert.ok(frameWidth(small.frame()) <= 80, `width ${frameWidth(small.frame())}`);
  small.unmount();
});

test('running durations and the elapsed clock tick from now() while the session runs', async () => {
  let t = 300_000;
  const r = renderWithProviders(<App now={() => t} onQuit={() => {}} clockHz={50} />, { events: eventsUntil(all, 300_000) });
  await tick(60);
  assert.match(r.frame(), /elapsed 05:00/);
  t = 330_000;
  await tick(80);
  assert.match(r.frame(), /elapsed 05:30/);
  assert.match(r.frame(), /NIM Startup\s+2m59s/);
  r.unmount();
});
