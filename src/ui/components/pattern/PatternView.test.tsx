import { test } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { PatternView } from './PatternView.tsx';
import { buildTimeChart } from './time-chart.ts';
import { renderWithProviders } from '../../test-utils.tsx';
import { parsePattern } from '../../../core/patterns.ts';
import { windowEdges, type PatternWindow } from '../../../core/pattern-windows.ts';
import { buildPatternResult } from '../../../core/pattern-result.ts';
import { reduceAll } from '../../../core/session-state.ts';
import { EMPTY_PERCENTILES } from '../../../core/stats.ts';
import type { NimbleEvent } from '../../../core/events.ts';

const spec = parsePattern({ pattern: 'spike', base: '2', peak: '8', hold: '4s', spike: '3s', after: '8s', window: '1s', 'recovery-windows': '2' });

function win(i: number, e: ReturnType<typeof windowEdges>[number]): PatternWindow {
  const bad = e.phase === 'spike' || (e.phase === 'after' && e.startMs < 11_000);
  const p95 = bad ? 800 : 200;
  return {
    index: i, ...e, sent: 8, completed: 8, failed: 0, errors: {}, inFlight: e.load,
    ttft: { ...EMPTY_PERCENTILES, n: 8, p50: p95 - 10, p95 }, tpot: { ...EMPTY_PERCENTILES, n: 8, p50: 20, p95: 21 }, e2el: { ...EMPTY_PERCENTILES },
    outputTokens: 40, reqPerS: 8, outputTokPerS: 40,
    server: { samples: 4, queuedSamples: bad ? 4 : 0, waitingMax: bad ? 3 : 0, waitingMean: 0, runningMax: e.load, kvMax: 0.1, kvMean: 0.1 },
  };
}

function events(upTo = Infinity, finished = true): NimbleEvent[] {
  let seq = 0;
  const ev = (b: object) => ({ ...b, seq: seq++, t: seq, wall: seq }) as NimbleEvent;
  const ws = windowEdges(spec).map((e, i) => win(i, e)).filter((w) => w.endMs <= upTo);
  const out = [ev({ type: 'pattern.started', pattern: spec, model: 'm', promptTokens: 32, outputTokens: 5 }), ...ws.map((w) => ev({ type: 'pattern.window', window: w }))];
  if (finished) {
    const pool = { ttft: { ...EMPTY_PERCENTILES }, tpot: { ...EMPTY_PERCENTILES }, ttftP95Ci: { low: 0, high: 0 }, tpotP95Ci: { low: 0, high: 0 }, ttftKept: 0, ttftSeen: 0, completed: 24, failed: 0, timeouts: 0, errors: {}, successRate: 1, outputTokens: 0, kvMax: 0.1 };
    out.push(ev({ type: 'pattern.finished', result: buildPatternResult(spec, ws, { all: pool, phases: { spike: pool } }, { aborted: false, notes: [], durationMs: 15_000 }) }));
  }
  return out;
}

test('the time chart spans the whole run: load underneath, phases marked, series end where the data ends', () => {
  const ws = reduceAll(events(6000, false)).pattern!.windows;
  const m = buildTimeChart(spec, ws, 'ttft', 88, 6);
  assert.equal(m.empty, false);
  assert.match(m.phaseRow, /│before\s+│spike\s+│after/);
  assert.match(m.loadRow, /load (▃+)█+▃+$/);
  assert.match(m.timeRow, /0s\s+4s\s+8s\s+11s\s+15s/);
  // Only the first 6 s have data: the plot's right part is empty.
  const plotted = m.rows.map((r) => r.map((c) => c.ch).join(''));
  // 6 s of 15 over 80 columns: the lines stop around column 8 + 32.
  assert.ok(plotted.every((l) => l.trimEnd().length <= 8 + 34), plotted.join('\n'));
  assert.ok(plotted.some((l) => l.trimEnd().length >= 8 + 30), plotted.join('\n'));
});

test('PatternView shows the metric over time, the latest window and, at the end, the figures', () => {
  const state = reduceAll(events());
  const r = renderWithProviders(<PatternView pattern={state.pattern!} metric="ttft" width={100} height={30} />, { state });
  const f = r.frame();
  assert.match(f, /TTFT over time/);
  assert.match(f, /spike \(closed loop, support\)/);
  assert.match(f, /━ p50\s+━ p95/);
  assert.match(f, /windows of 1s: TTFT percentiles over the requests whose first token arrived in the window/);
  assert.match(f, /14s after\s+2 users │ TTFT p50 190 ms p95 200 ms/);
  assert.match(f, /recovery: 4s after the spike/);
  r.unmount();
  const empty = reduceAll(events(0, false));
  const r2 = renderWithProviders(<PatternView pattern={empty.pattern!} metric="tpot" width={100} height={30} />, { state: empty });
  assert.match(r2.frame(), /waiting for the first 1s window/);
  r2.unmount();
});
