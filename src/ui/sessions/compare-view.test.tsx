import { test } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { render } from 'ink-testing-library';
import { compareSessions } from '../../core/compare.ts';
import { DEFAULT_PRICE_TABLE } from '../../core/cost.ts';
import { reduceAll } from '../../core/session-state.ts';
import { summarizeSession } from '../../core/session-summary.ts';
import { fixtureEvents } from '../../sessions/fixtures.ts';
import { CompareView } from './compare-view.tsx';
import { waitForFrame } from '../test-utils.tsx';

const comparison = () =>
  compareSessions((['typical', 'fast'] as const).map((profile) => summarizeSession(reduceAll(fixtureEvents({ profile, id: `2026-11-23T11-42-05Z-sim-${profile.slice(0, 4)}` })), DEFAULT_PRICE_TABLE)));
const lines = (f: string | undefined) => (f ?? '').split('\n').length;

test('compare view: all on one screen when it fits; two pages (tab) on a short terminal, never taller than it', async () => {
  const tall = render(<CompareView c={comparison()} colour={false} height={80} />);
  const all = tall.lastFrame() ?? '';
  for (const part of ['What changed', 'Times', 'TTFT p95', 'Breaking point · cost', 'per iteration']) assert.ok(all.includes(part), `${part} in\n${all}`);
  assert.doesNotMatch(all, /page 1\/2/);
  assert.ok(lines(all) <= 80);
  tall.unmount();

  const short = render(<CompareView c={comparison()} colour={false} height={24} />);
  const first = short.lastFrame() ?? '';
  assert.ok(lines(first) <= 24, `${lines(first)} lines:\n${first}`);
  assert.match(first, /What changed/);
  assert.match(first, /Deploy .*Δ/);
  assert.doesNotMatch(first, /Breaking point · cost/);
  assert.match(first, /page 1\/2: changes & times/);
  assert.match(first, /tab page/, 'the key bar, from the keymap');
  short.stdin.write('\t');
  const second = await waitForFrame(short.lastFrame, (f) => /page 2\/2/.test(f));
  assert.ok(lines(second) <= 24, `${lines(second)} lines:\n${second}`);
  assert.match(second, /TTFT p95/);
  assert.match(second, /┤/); // the chart, shrunk to fit
  assert.match(second, /per deployment .*Δ/);
  assert.doesNotMatch(second, /What changed/);
  short.unmount();
});
