import { test } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { render } from 'ink-testing-library';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PRICE_TABLE } from '../../core/cost.ts';
import type { SessionMeta } from '../../core/events.ts';
import { reduceAll } from '../../core/session-state.ts';
import { summarizeSession } from '../../core/session-summary.ts';
import { fixtureEvents } from '../../sessions/fixtures.ts';
import { deleteSession, listSessions, openSessionWriter, readSession } from '../../sessions/store.ts';
import { frameWidth, waitFor, waitForFrame } from '../test-utils.tsx';
import { SessionsBrowser, browserColumns, type BrowserAction, type SessionsAdapter } from './browser.tsx';

/** The adapter a command hands the browser, over a real sessions folder. */
export function folderAdapter(dir: string): SessionsAdapter {
  const priceTable = DEFAULT_PRICE_TABLE;
  return {
    dir,
    list: () => listSessions(dir, { priceTable }),
    events: (id) => readSession(dir, id, { priceTable }).events,
    summary: (id) => readSession(dir, id, { priceTable, summaryOnly: true }).summary,
    remove: (id) => deleteSession(dir, id),
  };
}

function record(dir: string, profile: 'fast' | 'typical', id: string) {
  const events = fixtureEvents({ profile, id });
  const w = openSessionWriter(dir, (events[0] as { meta: SessionMeta }).meta, { env: {} });
  for (const e of events) w.append(e);
  w.finish(summarizeSession(reduceAll(events), DEFAULT_PRICE_TABLE));
}

const until = waitForFrame;

test('sessions browser: one row per session within the terminal width; space marks, c compares', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-browser-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  record(dir, 'typical', '2026-11-23T10-00-00Z-sim-typi');
  record(dir, 'fast', '2026-11-23T11-00-00Z-sim-fast');
  mkdirSync(join(dir, 'broken'));
  writeFileSync(join(dir, 'broken', 'session.json'), '{not json');

  const actions: BrowserAction[] = [];
  for (const width of [80, 100]) {
    // (ink-testing-library's screen is 100 columns wide: the table is laid out for `width`.)
    const r = render(<SessionsBrowser sessions={folderAdapter(dir)} onAction={(a) => actions.push(a)} width={width} height={30} />);
    const frame = r.lastFrame() ?? '';
    const table = frame.split('\n').filter((l) => /^(›| ) |Date/.test(l));
    assert.ok(frameWidth(table.join('\n')) <= width, `table fits ${width} columns:\n${frame}`);
    assert.equal(table.length, 3, frame); // header + two sessions, no wrapped lines
    assert.match(frame, /8m43s Fast .*\$0\.41 +completed/);
    assert.match(frame, /20m01s Typical .*\$0\.83 +completed/);
    // Narrow terminals: GPU goes first, then total, then mode, so the model is not cut to keep them.
    assert.doesNotMatch(frame, /VM\.GPU|24m39s|sim:typical/);
    if (width === 100) assert.match(frame, /meta\/llama-3\.1-8b-instruct /);
    assert.match(frame, /unreadable: broken/);
    r.unmount();
  }

  const r = render(<SessionsBrowser sessions={folderAdapter(dir)} onAction={(a) => actions.push(a)} width={100} height={30} />);
  await until(r.lastFrame, (f) => f.includes('›'));
  r.stdin.write('c');
  assert.match(await until(r.lastFrame, (f) => /mark two or more/.test(f)), /mark two or more sessions/);
  r.stdin.write(' ');
  await until(r.lastFrame, (f) => f.includes('●'));
  r.stdin.write('j');
  // Lines: title, header, first session, second session — the cursor moves to the second.
  await until(r.lastFrame, (f) => f.split('\n').findIndex((l) => l.startsWith('›')) === 3);
  r.stdin.write(' ');
  const marked = await until(r.lastFrame, (f) => (f.match(/●/g) ?? []).length === 2);
  assert.equal((marked.match(/●/g) ?? []).length, 2, marked);
  r.stdin.write('c');
  await waitFor(() => actions.some((a) => a.type === 'compare'), 3000, 'a compare action');
  const compare = actions.find((a) => a.type === 'compare');
  assert.ok(compare && compare.type === 'compare');
  assert.equal(compare.comparison.sessions.length, 2);
  r.unmount();

  // Keys typed faster than React re-renders (here: all four before any render) still act on each
  // other: the second space marks the second session, and c sees both marks.
  actions.length = 0;
  const fast = render(<SessionsBrowser sessions={folderAdapter(dir)} onAction={(a) => actions.push(a)} width={100} height={30} />);
  await until(fast.lastFrame, (f) => f.includes('›'));
  for (const k of [' ', 'j', ' ', 'c']) fast.stdin.write(k);
  const fastCompare = actions.find((a) => a.type === 'compare');
  assert.ok(fastCompare && fastCompare.type === 'compare', 'c after two fast marks compares');
  assert.equal(new Set(fastCompare.comparison.sessions.map((s) => s.id)).size, 2);
  fast.unmount();
});

test('browser columns: all on a wide terminal; GPU, total, then mode give way as it narrows', () => {
  const keys = (w: number) => browserColumns(w).columns.map((c) => c.key);
  assert.deepEqual(keys(160), ['mark', 'date', 'mode', 'model', 'gpu', 'deploy', 'total', 'breaking', 'cost', 'status']);
  assert.deepEqual(keys(120), ['mark', 'date', 'mode', 'model', 'deploy', 'total', 'breaking', 'cost', 'status']);
  assert.deepEqual(keys(100), ['mark', 'date', 'mode', 'model', 'deploy', 'breaking', 'cost', 'status']);
  assert.deepEqual(keys(80), ['mark', 'date', 'model', 'deploy', 'breaking', 'cost', 'status']);
  assert.equal(browserColumns(80).gap, 1);
});

test('browser: more sessions than rows — a window around the cursor, never taller than its height', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-browser-many-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  record(dir, 'fast', '2026-11-23T11-00-00Z-sim-fast');
  const real = folderAdapter(dir);
  const one = real.list().rows[0];
  // 40 rows in memory: the adapter is the browser's only source, so no folder of 40 is needed.
  const rows = Array.from({ length: 40 }, (_, i) => ({ ...one, id: `2026-11-23T11-${String(i).padStart(2, '0')}-00Z-sim-fast`, date: `2026-11-23T11:${String(i).padStart(2, '0')}` }));
  const adapter = { ...real, list: () => ({ rows, unreadable: [] }) };
  const r = render(<SessionsBrowser sessions={adapter} onAction={() => {}} width={100} height={12} />);
  const first = await waitForFrame(r.lastFrame, (f) => f.includes('›'));
  assert.ok(first.split('\n').length <= 12, first);
  assert.match(first, /40 shown \(1–9\)/);
  for (let i = 0; i < 20; i++) r.stdin.write('j');
  const moved = await waitForFrame(r.lastFrame, (f) => /› .*11:19/.test(f));
  assert.ok(moved.split('\n').length <= 12, moved);
  assert.doesNotMatch(moved, /11:39/, 'rows far below the cursor are not drawn');
  r.unmount();
});
