import { test } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { SweepView } from './SweepView.tsx';
import { frameWidth, renderWithProviders } from '../test-utils.tsx';
import { EventLog, eventsBefore, sampleEvents, SIM_META } from '../fixtures.ts';
import type { NimbleEvent } from '../../core/events.ts';

const all = sampleEvents();
const line = (f: string, re: RegExp) => f.split('\n').find((l) => re.test(l)) ?? '';

test('the level table shows TTFT p50/p95, TPOT, tok/s, success and the verdict', () => {
  const r = renderWithProviders(<SweepView height={25} />, { events: all });
  const f = r.frame();
  assert.match(f, /Shape\s+Users\s+TTFT p50\s+TTFT p95\s+TPOT\s+tok\/s\s+OK\s+KV max\s+Verdict/);
  assert.match(line(f, /^coding\s+64\s/), /900 ms\s+2\.90 s\s+104 ms\s+615\s+97%\s+99%\s+BREAK queue>0, TTFT>2s/);
  assert.match(line(f, /^coding\s+8\s/), /INCONCLUSIVE \(invalid\): Little's/);
  assert.match(line(f, /^coding\s+32\s/), /pass/);
  assert.match(f, /earlier levels not shown: nimble export [0-9TZ-]+\S* lists all/); // where they are, not a summary without a level table
  r.unmount();
});

test('the chart plots TTFT p95 over a log2 axis with the 2 s line and a legend', () => {
  const r = renderWithProviders(<SweepView height={25} />, { events: all });
  const f = r.frame();
  assert.match(f, /TTFT p95 vs concurrent users/);
  assert.match(line(f, /2\.0s ┼/), /╌{10}/, 'the dashed 2 s line sits on the 2.0s row');
  assert.match(f, /\n\s+1\s+2\s+4\s+8\s+16\s+32\s+64/, 'x labels double');
  assert.match(f, /● support\s+■ summary\s+▲ coding\s+╌ 2 s SLA/);
  r.unmount();
});

test('t-switchable metrics: TPOT with its 100 ms line, throughput without a line', () => {
  const a = renderWithProviders(<SweepView height={25} metric="tpot" />, { events: all });
  assert.match(a.frame(), /TPOT p50 vs concurrent users/);
  assert.match(line(a.frame(), /100ms ┼/), /╌/);
  a.unmount();
  const b = renderWithProviders(<SweepView height={25} metric="throughput" />, { events: all });
  assert.match(b.frame(), /output tok\/s vs concurrent users/);
  assert.doesNotMatch(line(b.frame(), /● support/), /╌/);
  b.unmount();
});

test('capacity card: max users within SLA, what limited it, economics', () => {
  const r = renderWithProviders(<SweepView height={25} />, { events: all });
  const f = r.frame();
  assert.match(f, /support\s+48–56 users ±8 · queueing · broke at 56/);
  assert.match(f, /790 tok\/s\/GPU · \$0\.70\/M out tok/);
  assert.match(f, /summary\s+8–12 users ±4 · KV cache/);
  r.unmount();
});

test('live: the running level and the server sparkline; unknown metrics say unknown, not 0', () => {
  const upTo = eventsBefore(all, (e) => e.type === 'level.finished' && e.level.shape === 'support' && e.level.concurrency === 4);
  const log = new EventLog();
  log.add(500_000, { type: 'level.progress', progress: { shape: 'support', concurrency: 4, phase: 'measuring', inFlight: 4, completed: 57, failed: 1, ttftP95: 131, elapsedMs: 6_400 } });
  log.add(500_100, { type: 'server.sample', sample: { t: 500_100, engine: 'llamacpp', running: 4, waiting: null, kvCache: null } });
  const events = [...upTo, ...log.events.map((e, i) => ({ ...e, seq: 5000 + i }) as NimbleEvent)];
  const r = renderWithProviders(<SweepView height={25} />, { events });
  const f = r.frame();
  assert.match(f, /▶ Measuring support × 4 users · 6\.4s/);
  assert.match(f, /4 in flight · 57 done · 1 failed · p95 n<59/);
  assert.match(f, /Server \(llamacpp\)/);
  assert.match(line(f, /queue\s/), /· unknown/);
  assert.match(line(f, /KV cache\s/), /· unknown/);
  assert.match(f, /support\s+sweeping… 2 pass so far/);
  r.unmount();
});

test('at 80×24 the sweep stacks and stays within 80 columns', () => {
  const r = renderWithProviders(<SweepView width={80} height={19} />, { events: all, size: { columns: 80, rows: 24 } });
  const f = r.frame();
  assert.ok(frameWidth(f) <= 80, `width ${frameWidth(f)}`);
  assert.ok(f.split('\n').length <= 19, `height ${f.split('\n').length}`);
  assert.match(f, /support\s+48–56 users · queueing/);
  assert.match(f, /TTFT p95 vs concurrent users/);
  r.unmount();
});

test('before the sweep: says so', () => {
  const r = renderWithProviders(<SweepView />, { events: new EventLog().add(0, { type: 'session.started', meta: { ...SIM_META, shapes: [] } }).events });
  assert.match(r.frame(), /The sweep has not started/);
  r.unmount();
});
