// One saved session, every place that prints its deploy time: the summary (TUI final frame and
// plain text), the sessions browser and `nimble sessions`, compare (TUI and --md), validate and
// export. They must all print the same text. And tables laid out at 80 and 120 columns cut text only
// when the text does not fit.
import { sessionsAdapter } from '../commands/session-context.ts';
import { sessionsCommand } from '../commands/sessions.ts';
import { captureIo } from '../commands/io.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { renderToString } from 'ink';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareSessions, compareToMarkdown } from '../core/compare.ts';
import { DEFAULT_PRICE_TABLE } from '../core/cost.ts';
import type { NimbleEvent, SessionMeta } from '../core/events.ts';
import { durationText } from '../core/format.ts';
import { reduceAll } from '../core/session-state.ts';
import { summarizeSession } from '../core/session-summary.ts';
import { validateSession, validationToText } from '../core/validate.ts';
import { summaryLines } from '../app/plain.ts';
import { sessionToMarkdown } from '../sessions/export.ts';
import { fixtureEvents } from '../sessions/fixtures.ts';
import { openSessionWriter } from '../sessions/store.ts';
import { Table, layoutColumns } from './components/Table.tsx';
import { stringWidth } from './format.ts';
import { renderFinalFrame } from './render.tsx';
import { CompareView } from './sessions/compare-view.tsx';
import { SessionsBrowser, browserColumns } from './sessions/browser.tsx';
import { MONOCHROME } from './theme.ts';
import { loadTheme } from '../app/themes.ts';

/** A fixture session whose deploy ends 0.6 s into a second: flooring and rounding print differently. */
function session(id: string, profile: 'fast' | 'typical') {
  const events = fixtureEvents({ profile, id }).map((e) => (e.t >= 1000 ? { ...e, t: e.t + 600 } : e)) as NimbleEvent[];
  return { events, summary: summarizeSession(reduceAll(events), DEFAULT_PRICE_TABLE) };
}

function record(dir: string, events: NimbleEvent[]) {
  const w = openSessionWriter(dir, (events[0] as { meta: SessionMeta }).meta, { env: {} });
  for (const e of events) w.append(e);
  w.finish(summarizeSession(reduceAll(events), DEFAULT_PRICE_TABLE));
}

test('one session, one deploy time: summary, plain, browser, sessions list, compare, validate and export agree', async (t) => {
  const a = session('2026-11-23T11-00-00Z-sim-fast', 'fast');
  const b = session('2026-11-23T12-00-00Z-sim-typi', 'typical');
  const ms = a.summary.stages.deploy.durationMs!;
  assert.equal(ms % 1000, 600, 'the fixture ends its deploy 0.6 s into a second');
  const deploy = durationText(ms);
  // The text itself, rounded (8m43.6s): a floor (8m43s) or a spaced form ("8m 44s") fails here.
  assert.equal(deploy, '8m44s');
  const wrong = /8m43s|8m 4[34]s/;
  const has = (where: string, text: string, pattern: RegExp) => {
    assert.match(text, pattern, `${where}:\n${text}`);
    assert.doesNotMatch(text, wrong, `${where} prints another deploy time:\n${text}`);
  };

  has('summary (final frame)', renderFinalFrame(reduceAll(a.events), MONOCHROME, 120), /Deploy\s+8m44s\s+12m00s/);
  has('summary (plain)', summaryLines(a.summary).join('\n'), /deploy\s+8m44s/);
  has('validate', validationToText(validateSession(a.summary, 'fast')), /Deploy within Fast target\s+8m44s ≤ 12m00s/);
  has('export --format md', sessionToMarkdown(a.summary), /\| deploy \| 8m44s \| Fast \|/);
  const c = compareSessions([a.summary, b.summary]);
  has('compare --md', compareToMarkdown(c), /\| Deploy \| 8m44s \(Fast\) \| 20m02s \(Typical\) \| \+11m18s \|/);
  has('compare (TUI)', renderToString(<CompareView c={c} colour={false} height={60} />, { columns: 120 }), /Deploy\s+8m44s Fast\s+20m02s Typical\s+Δ \+11m18s/);

  const dir = mkdtempSync(join(tmpdir(), 'nimble-figures-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  record(dir, a.events);
  record(dir, b.events);
  has('browser', renderToString(<SessionsBrowser sessions={sessionsAdapter(dir, DEFAULT_PRICE_TABLE)} onAction={() => {}} width={120} />, { columns: 120 }), /8m44s Fast/);
  // `nimble sessions` piped: the command itself, writing its table (no terminal, so no browser).
  const io = captureIo({ env: { HOME: dir, XDG_CONFIG_HOME: dir, NO_COLOR: '1' } });
  assert.equal(await sessionsCommand(['--sessions-dir', dir], io), 0, io.err());
  has('nimble sessions', io.out(), /8m44s Fast/);
});

test('tables cut text only when it does not fit: sessions browser and summary at 80 and 120 columns', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-widths-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const a = session('2026-11-23T11-00-00Z-sim-fast', 'fast');
  record(dir, a.events);
  for (const width of [80, 120]) {
    const frame = renderToString(<SessionsBrowser sessions={sessionsAdapter(dir, DEFAULT_PRICE_TABLE)} onAction={() => {}} width={width} />, { columns: width });
    const lines = frame.split('\n').filter((l) => /^(›| ) |Date/.test(l));
    assert.equal(lines.length, 2, frame);
    for (const l of lines) assert.ok(stringWidth(l) <= width, `fits ${width}:\n${frame}`);
    if (width === 120) {
      // At 120 everything fits whole: the model, the breaking point title and value.
      assert.doesNotMatch(frame, /…/, frame);
      assert.match(frame, /meta\/llama-3\.1-8b-instruct/);
      assert.match(frame, /Breaking point/);
    } else {
      // At 80 a cut is allowed only where the row is full: no slack left beside a cut cell.
      if (/…/.test(lines[1])) assert.ok(stringWidth(lines[1]) >= width - 1, `cut with room to spare:\n${frame}`);
      assert.doesNotMatch(frame, /Breaking …/, frame);
    }
    const f = renderFinalFrame(reduceAll(a.events), loadTheme('dark', { NO_COLOR: '1' }), width);
    for (const l of f.split('\n')) assert.ok(stringWidth(l) <= width, `summary fits ${width}:\n${f}`);
    // The breaking point line gets the width its headline leaves: whole at 120.
    if (width === 120) assert.doesNotMatch(f.split('\n').find((l) => l.includes('support'))!, /…/, f);
  }
});

test('layoutColumns: short titles first, then the widest free-text column, never all columns from the right', () => {
  const cols = [{ title: 'Model', flex: true, min: 8 }, { title: 'GPU', flex: true, min: 6 }, { title: 'Breaking point', short: 'Breaking', flex: true, min: 8 }];
  const rows = [['meta/llama-3.1-8b-instruct', 'VM.GPU.A10.1', '16–32']];
  const natural = 26 + 12 + 14 + 4;
  assert.deepEqual(layoutColumns(cols, rows, natural), [26, 12, 14]);
  // 6 short: the title gives up its room first ("Breaking point" → "Breaking"), no data is cut.
  assert.deepEqual(layoutColumns(cols, rows, natural - 6), [26, 12, 8]);
  // 4 more: the widest free text gives it, not the last column.
  assert.deepEqual(layoutColumns(cols, rows, natural - 10), [22, 12, 8]);
  const frame = renderToString(<Table columns={cols} rows={rows} width={natural - 6} gap={2} />, { columns: 120 });
  assert.match(frame, /Model\s+GPU\s+Breaking\n/);
  assert.match(frame, /meta\/llama-3\.1-8b-instruct\s+VM\.GPU\.A10\.1\s+16–32/);
  assert.equal(browserColumns(120, [{ mark: '› ', date: '2026-11-23 11:00', mode: 'sim:fast', model: 'meta/llama-3.1-8b-instruct', gpu: '1× VM.GPU.A10.1', deploy: '8m44s Fast', total: '14m12s Fast', breaking: 'support 16–32', cost: '$0.41', status: 'completed' }]).columns.some((c) => c.key === 'model'), true);
});

test('an aborted run after two measured levels: summary and plain give the lower bound, not "not measured"', () => {
  const events = fixtureEvents({ profile: 'fast' });
  const second = events.filter((e) => e.type === 'level.finished')[1];
  const cut = events.slice(0, events.indexOf(second) + 1);
  const s = summarizeSession(reduceAll(cut), DEFAULT_PRICE_TABLE);
  assert.equal(Object.keys(s.breakingPoints).length, 0);
  const plain = summaryLines(s).join('\n');
  assert.match(plain, /breaking point \(support\): ≥ 2 users so far \(2 levels measured; stopped before a break\)/, plain);
  const frame = renderFinalFrame(reduceAll(cut), MONOCHROME, 120);
  assert.match(frame, /support\s+≥ 2 users so far \(2 levels measured; stopped before a break\)/, frame);
  assert.doesNotMatch(frame, /not measured/, frame);
});
