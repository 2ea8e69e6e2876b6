import { afterEach, test } from 'node:test';
import { cleanup } from 'ink-testing-library';
import assert from 'node:assert/strict';
import React from 'react';
import { App, followView } from './App.tsx';
import { frameWidth, renderWithProviders, waitFor, waitForFrame } from './test-utils.tsx';
import { eventsUntil, sampleEvents } from './fixtures.ts';
import { createLiveStore } from './store.ts';
import { QUIT_QUESTION } from './components/QuitConfirm.tsx';

// Unmount whatever a failed test left mounted (its clock interval would keep the runner alive).
afterEach(() => cleanup());

const all = sampleEvents();
type Rendered = { stdin: { write(s: string): void }; frame(): string };
/** Press a key and wait for the frame it should lead to (no fixed sleep). */
const press = (r: Rendered, key: string, ok: (f: string) => boolean) => {
  r.stdin.write(key);
  return waitForFrame(r.frame, ok);
};
const has = (re: RegExp) => (f: string) => re.test(f);
const sweepT = all.find((e) => e.type === 'stage.started' && e.stage === 'sweep')!.t;

test('the view follows the stage: deploy → timeline, sweep → sweep, ended → summary', async () => {
  const store = createLiveStore({ flushHz: 0 });
  store.getState().pushMany(eventsUntil(all, 100_000));
  const r = renderWithProviders(<App now={() => 100_000} onQuit={() => {}} />, { store });
  await waitForFrame(r.frame, has(/Deploy timeline/));
  store.getState().pushMany(all.filter((e) => e.t > 100_000 && e.t <= sweepT + 30_000));
  await waitForFrame(r.frame, has(/TTFT p95 vs concurrent users/));
  store.getState().pushMany(all.filter((e) => e.t > sweepT + 30_000));
  await waitForFrame(r.frame, has(/Session .* COMPLETED/));
  r.unmount();
  assert.equal(followView({ stage: 'smoke', status: 'running' }), 'smoke');
});

test('a number key picks a view and stops following; f follows again; t switches the metric', async () => {
  const store = createLiveStore({ flushHz: 0, initial: undefined });
  store.getState().pushMany(eventsUntil(all, sweepT + 30_000));
  const r = renderWithProviders(<App now={() => sweepT + 30_000} onQuit={() => {}} />, { store });
  await waitForFrame(r.frame, has(/TTFT p95 vs concurrent users/));
  await press(r, 't', has(/TPOT p50 vs concurrent users/));
  await press(r, '6', has(/Logs · last/));
  store.getState().pushMany(all.filter((e) => e.t > sweepT + 30_000));
  // The header turns Completed; the body stays on the picked view.
  const f = await waitForFrame(r.frame, has(/● Completed/));
  assert.match(f, /Logs · last/, 'stays on the picked view');
  assert.match(f, /f follow/);
  await press(r, 'f', has(/COMPLETED/));
  r.unmount();
});

test('q while paid resources run asks first; n dismisses, y quits', async () => {
  let quits = 0;
  const r = renderWithProviders(<App now={() => 200_000} onQuit={() => quits++} />, { events: eventsUntil(all, 200_000) });
  await waitForFrame(r.frame, has(/Deploy timeline/));
  const asked = await press(r, 'q', (f) => f.includes(QUIT_QUESTION));
  assert.match(asked, /Still billing: 1× GPU on VM\.GPU\.A10\.1/);
  await press(r, 'n', (f) => !f.includes(QUIT_QUESTION));
  assert.equal(quits, 0);
  await press(r, 'q', (f) => f.includes(QUIT_QUESTION));
  r.stdin.write('y');
  await waitFor(() => quits === 1, 3000, 'onQuit after y');
  r.unmount();
});

test('q after a finished session with nothing billing quits at once', async () => {
  let quits = 0;
  const r = renderWithProviders(<App now={() => 0} onQuit={() => quits++} />, { events: all });
  await waitForFrame(r.frame, has(/COMPLETED/));
  r.stdin.write('q');
  await waitFor(() => quits === 1, 3000, 'onQuit after q');
  assert.doesNotMatch(r.frame(), /clean up and quit/);
  r.unmount();
});

test('? opens the help generated from the keymap; the frame fits 100×30 and 80×24', async () => {
  const r = renderWithProviders(<App now={() => 0} onQuit={() => {}} />, { events: all });
  const lines = (await waitForFrame(r.frame, has(/COMPLETED/))).split('\n');
  assert.ok(lines.length <= 29, `height ${lines.length}`);
  assert.ok(frameWidth(r.frame()) <= 100);
  const help = await press(r, '?', has(/Cycle the chart metric/));
  assert.match(help, /Esc close/);
  r.unmount();
  const small = renderWithProviders(<App now={() => 0} onQuit={() => {}} />, { events: eventsUntil(all, sweepT + 100_000), size: { columns: 80, rows: 24 } });
  await waitForFrame(small.frame, has(/Sweep/));
  assert.ok(small.frame().split('\n').length <= 23, `height ${small.frame().split('\n').length}`);
  assert.ok(frameWidth(small.frame()) <= 80, `width ${frameWidth(small.frame())}`);
  small.unmount();
});

test('running durations and the elapsed clock tick from now() while the session runs', async () => {
  let t = 300_000;
  const r = renderWithProviders(<App now={() => t} onQuit={() => {}} clockHz={50} />, { events: eventsUntil(all, 300_000) });
  await waitForFrame(r.frame, has(/elapsed 05:00/));
  t = 330_000;
  const f = await waitForFrame(r.frame, has(/elapsed 05:30/));
  assert.match(f, /NIM Startup\s+2m59s/);
  r.unmount();
});
