import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEFAULT_PRICE_TABLE } from '../core/cost.ts';
import { EVENT_TYPES, type NimbleEvent } from '../core/events.ts';
import { reduceAll } from '../core/session-state.ts';
import { summarizeSession, type SessionSummary } from '../core/session-summary.ts';
import type { LevelResult } from '../core/sweep-types.ts';
import { fixtureEvents } from './fixtures.ts';
import { parseEventLine, parseSummary } from './schema.ts';

// A session saved by `nimble run --sim --profile ultra --time-scale 50 --shape support,summary`
// (events.ndjson keeps the first 5 level.progress and server.sample events of each kind).
const dir = new URL('./fixtures/sim-session/', import.meta.url);
const savedSummary = (): unknown => JSON.parse(readFileSync(new URL('session.json', dir), 'utf8'));
const savedEvents = (): string[] => readFileSync(new URL('events.ndjson', dir), 'utf8').split('\n').filter(Boolean);

test('a saved session parses through the schema as a SessionSummary', () => {
  const r = parseSummary(savedSummary());
  assert.ok(r.ok, r.ok ? '' : r.reason);
  // Typed as the derived type, no cast: tsc fails here if parseSummary's value stops being one.
  const s: SessionSummary = r.value;
  const level: LevelResult = s.levels[0];
  assert.equal(s.status, 'completed');
  assert.deepEqual(s.meta.shapes, ['support', 'summary']);
  assert.equal(s.levels.length, 13);
  assert.equal(level.shape, 'support');
  assert.ok(level.ttft.n > 0 && level.ttft.p95 >= level.ttft.p50);
  assert.ok(['pass', 'break', 'inconclusive'].includes(level.outcome ?? ''));
  assert.ok(s.breakingPoints.support && s.breakingPoints.summary);
});

test('JSON nulls in measured figures come back as NaN (unknown), nulls that mean "none" stay null', () => {
  const raw = savedSummary() as { levels: Record<string, unknown>[]; breakingPoints: Record<string, Record<string, unknown>> };
  raw.levels[0].goodput = null; // what JSON.stringify writes for NaN
  raw.breakingPoints.support.firstFailing = null;
  const r = parseSummary(raw);
  assert.ok(r.ok, r.ok ? '' : r.reason);
  assert.ok(Number.isNaN(r.value.levels[0].goodput));
  assert.equal(r.value.levels[0].clientLimit, null);
  assert.equal(r.value.breakingPoints.support?.firstFailing, null);
});

test('a summary nimble writes reads back (the schema accepts what the types allow)', () => {
  const summary = summarizeSession(reduceAll(fixtureEvents({ id: 'rt' })), DEFAULT_PRICE_TABLE);
  const r = parseSummary(JSON.parse(JSON.stringify(summary)));
  assert.ok(r.ok, r.ok ? '' : r.reason);
  assert.equal(r.value.levels.length, summary.levels.length);
  assert.deepEqual(r.value.stages, summary.stages);
});

test('a level without a field the views read is refused, naming the field', () => {
  const raw = savedSummary() as { levels: Record<string, unknown>[] };
  delete raw.levels[2].grades;
  const r = parseSummary(raw);
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.reason, /levels\.2\.grades/);
  const wrong = savedSummary() as { levels: Record<string, unknown>[] };
  wrong.levels[0].shape = 'chat';
  const w = parseSummary(wrong);
  assert.match(w.ok ? '' : w.reason, /levels\.0\.shape/);
});

test('every line of a saved event log parses; its types are known event types', () => {
  const seen = new Set<string>();
  for (const line of savedEvents()) {
    const r = parseEventLine(line);
    assert.ok(r.ok, r.ok ? '' : `${r.reason}: ${line.slice(0, 80)}`);
    const e: NimbleEvent = r.value;
    seen.add(e.type);
  }
  for (const t of seen) assert.ok(EVENT_TYPES.includes(t as NimbleEvent['type']), t);
  assert.ok(seen.has('level.finished') && seen.has('session.started') && seen.size >= 15);
});

test('a level.finished event with an incomplete level is refused; its NaNs are restored', () => {
  const line = savedEvents().find((l) => l.includes('"type":"level.finished"'))!;
  const ev = JSON.parse(line);
  ev.level.goodput = null;
  const ok = parseEventLine(JSON.stringify(ev));
  assert.ok(ok.ok && ok.value.type === 'level.finished' && Number.isNaN(ok.value.level.goodput));
  delete ev.level.server;
  const bad = parseEventLine(JSON.stringify(ev));
  assert.match(bad.ok ? '' : bad.reason, /invalid level: server/);
});

test('a sweep.finished event is checked in full: a breaking point without its numbers is refused', () => {
  const line = savedEvents().find((l) => l.includes('"type":"sweep.finished"'))!;
  const ok = parseEventLine(line);
  assert.ok(ok.ok && ok.value.type === 'sweep.finished' && ok.value.breakingPoint.lastPassing >= 0);
  const ev = JSON.parse(line);
  ev.breakingPoint.limitedBy = 'gremlins';
  const bad = parseEventLine(JSON.stringify(ev));
  assert.match(bad.ok ? '' : bad.reason, /invalid breakingPoint: limitedBy/);
});
