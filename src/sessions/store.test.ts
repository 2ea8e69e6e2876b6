import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PRICE_TABLE } from '../core/cost.ts';
import { reduceAll } from '../core/session-state.ts';
import { summarizeSession } from '../core/session-summary.ts';
import type { SessionMeta } from '../core/events.ts';
import { fixtureEvents } from './fixtures.ts';
import {
  EVENTS_FILE, INTERRUPTED_REASON, LOCK_FILE, SUMMARY_FILE, deleteSession, findSessionId, listSessions, newSessionId,
  openSessionWriter, readSession, resolveSessionsDir,
} from './store.ts';

function tmp(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-sessions-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function record(dir: string, events = fixtureEvents(), finish = true) {
  const meta = (events[0] as { meta: SessionMeta }).meta;
  const w = openSessionWriter(dir, meta, { env: {} });
  for (const e of events) w.append(e);
  if (finish) w.finish(summarizeSession(reduceAll(events), DEFAULT_PRICE_TABLE));
  else w.close();
  return w;
}

test('session ids sort by time and are safe file names', () => {
  const a = newSessionId(new Date('2026-11-23T11:42:05.123Z'), 'sim', '3f2a');
  assert.equal(a, '2026-11-23T11-42-05Z-sim-3f2a');
  const b = newSessionId(new Date('2026-11-23T11:42:06Z'), 'cluster', '0000');
  const c = newSessionId(new Date('2026-12-01T00:00:00Z'), 'sim');
  assert.deepEqual([c, b, a].sort(), [a, b, c]);
  assert.match(c, /^2026-12-01T00-00-00Z-sim-[0-9a-f]{4}$/);
});

test('sessions dir: flag, then NIMBLE_SESSIONS_DIR, then config, then ./sessions', () => {
  assert.equal(resolveSessionsDir({ flag: 'x', env: { NIMBLE_SESSIONS_DIR: '/e' }, cwd: '/w' }), '/w/x');
  assert.equal(resolveSessionsDir({ env: { NIMBLE_SESSIONS_DIR: '/e' }, cwd: '/w', configDir: '/c' }), '/e');
  assert.equal(resolveSessionsDir({ env: {}, cwd: '/w', configDir: '/c' }), '/c');
  assert.equal(resolveSessionsDir({ env: {}, cwd: '/w' }), '/w/sessions');
});

test('writer then reader: the summary and every event come back', (t) => {
  const dir = tmp(t);
  const events = fixtureEvents();
  const w = record(dir, events);
  assert.equal(w.error, null);
  assert.deepEqual(readdirSync(w.path).sort(), [EVENTS_FILE, SUMMARY_FILE]);
  const s = readSession(dir, w.id);
  assert.equal(s.partial, false);
  assert.equal(s.events.length, events.length);
  assert.deepEqual(s.events.map((e) => e.type), events.map((e) => e.type));
  assert.equal(s.summary.schemaVersion, 1);
  assert.equal(s.summary.status, 'completed');
  assert.equal(s.summary.meta.gpuShape, 'VM.GPU.A10.1');
  assert.equal(s.summary.levels.length, 6);
  assert.equal(s.summary.breakingPoints.support?.lastPassing, 16);
  const live = summarizeSession(reduceAll(events), DEFAULT_PRICE_TABLE);
  assert.equal(s.summary.cost.totalUsd, live.cost.totalUsd);
  assert.equal(s.summary.stages.deploy.durationMs, live.stages.deploy.durationMs);
  // Reducing the stored events gives the same summary as the one stored.
  assert.deepEqual(JSON.parse(JSON.stringify(summarizeSession(reduceAll(s.events), DEFAULT_PRICE_TABLE))), JSON.parse(JSON.stringify(live)));
});

test('a run that fails before its first event leaves no session behind; one that started keeps it', (t) => {
  const dir = tmp(t);
  const events = fixtureEvents();
  const meta = (events[0] as { meta: SessionMeta }).meta;
  const empty = openSessionWriter(dir, meta, { env: {} });
  empty.discardIfEmpty();
  assert.deepEqual(readdirSync(dir), []);
  const started = openSessionWriter(dir, meta, { env: {} });
  started.append(events[0]);
  started.discardIfEmpty();
  assert.deepEqual(readdirSync(started.path), [EVENTS_FILE]);
});

test('killed mid-sweep: readable, marked aborted, everything up to the kill', (t) => {
  const dir = tmp(t);
  const all = fixtureEvents();
  const killAt = all.findIndex((e) => e.type === 'level.finished' && e.level.concurrency === 4) + 1;
  const w = record(dir, all.slice(0, killAt), false);
  // A SIGKILL leaves the writer's pid file behind, naming a process that is gone.
  writeFileSync(join(w.path, LOCK_FILE), '2147483646');
  const s = readSession(dir, w.id);
  assert.equal(s.partial, true);
  assert.equal(s.running, false);
  assert.equal(s.summary.status, 'aborted');
  assert.equal(s.summary.endReason, INTERRUPTED_REASON);
  assert.equal(s.events.length, killAt);
  assert.deepEqual(s.summary.levels.map((l) => l.concurrency), [1, 2, 4]);
  assert.ok(s.summary.stages.deploy.durationMs! > 0, 'deploy time survives the kill');
  assert.ok(s.summary.cost.totalUsd > 0, 'cost up to the kill');
  // A simulator run leaves nothing in any cluster: no "check the cluster" (a cluster run: below).
  assert.ok(!s.warnings.some((w) => /not seen stopped|nimble cleanup/.test(w)), s.warnings.join('; '));
  const { rows } = listSessions(dir);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].partial, true);
  assert.equal(rows[0].status, 'aborted');
  // While the writer is alive, the same files read as a running session, not an aborted one.
  writeFileSync(join(w.path, LOCK_FILE), String(process.pid));
  const live = readSession(dir, w.id);
  assert.equal(live.running, true);
  assert.equal(live.summary.status, 'running');
});

test('a cluster run killed mid-sweep warns that paid resources were never seen stopped', (t) => {
  const dir = tmp(t);
  const all = fixtureEvents();
  const killAt = all.findIndex((e) => e.type === 'level.finished' && e.level.concurrency === 4) + 1;
  const events = all.slice(0, killAt).map((e) => (e.type === 'session.started' ? { ...e, meta: { ...e.meta, mode: 'cluster' as const } } : e));
  const w = record(dir, events, false);
  writeFileSync(join(w.path, LOCK_FILE), '2147483646');
  const s = readSession(dir, w.id);
  assert.ok(s.warnings.some((x) => /not seen stopped: .* — check the cluster \(nimble cleanup\)/.test(x)), s.warnings.join('; '));
});

test('a truncated last line is ignored and reported, not fatal', (t) => {
  const dir = tmp(t);
  const all = fixtureEvents();
  const w = record(dir, all.slice(0, 20), false);
  appendFileSync(join(w.path, EVENTS_FILE), JSON.stringify(all[20]).slice(0, 30));
  const s = readSession(dir, w.id);
  assert.equal(s.events.length, 20);
  assert.ok(s.warnings.some((x) => /truncated/.test(x)), s.warnings.join('; '));
});

test('corrupt and foreign files are listed as unreadable with the reason; good sessions still list', (t) => {
  const dir = tmp(t);
  record(dir);
  const bad = (name: string, files: Record<string, string>) => {
    mkdirSync(join(dir, name));
    for (const [f, c] of Object.entries(files)) writeFileSync(join(dir, name, f), c);
  };
  bad('corrupt-json', { [SUMMARY_FILE]: '{"schemaVersion": 1, "id": ' });
  bad('foreign-json', { [SUMMARY_FILE]: JSON.stringify({ hello: 'world' }) });
  bad('future', { [SUMMARY_FILE]: JSON.stringify({ schemaVersion: 9 }) });
  bad('wrong-field', { [SUMMARY_FILE]: JSON.stringify({ ...readSession(dir, listSessions(dir).rows[0].id).summary, stages: 3 }) });
  bad('no-start', { [EVENTS_FILE]: '{"type":"log","seq":0,"t":0,"wall":0,"source":"x","level":"info","line":"x"}\n' });
  bad('binary', { [EVENTS_FILE]: '\u0000\u0001garbage\n' });
  bad('empty-dir', {});
  writeFileSync(join(dir, 'notes.txt'), 'hello');
  writeFileSync(join(dir, '.DS_Store'), 'x');
  const { rows, unreadable } = listSessions(dir);
  assert.equal(rows.length, 1);
  const reasons = Object.fromEntries(unreadable.map((u) => [u.name, u.reason]));
  assert.deepEqual(Object.keys(reasons).sort(), ['binary', 'corrupt-json', 'empty-dir', 'foreign-json', 'future', 'no-start', 'notes.txt', 'wrong-field']);
  assert.match(reasons['corrupt-json'], /not valid JSON/);
  assert.match(reasons['foreign-json'], /no schemaVersion/);
  assert.match(reasons['future'], /newer nimble/);
  assert.match(reasons['wrong-field'], /stages/);
  assert.match(reasons['no-start'], /no session.started/);
  assert.match(reasons['notes.txt'], /not a session directory/);
  assert.throws(() => readSession(dir, 'corrupt-json'), /not valid JSON/);
});

test('a listing of a missing directory is empty, not an error', () => {
  const r = listSessions(join(tmpdir(), 'nimble-does-not-exist-' + process.pid));
  assert.deepEqual(r, { rows: [], unreadable: [] });
});

test('the API key never reaches the session files', (t) => {
  const dir = tmp(t);
  const key = 'nvapi-' + 'Zq9'.repeat(20);
  const other = 'sk-' + 'a1B2'.repeat(10);
  const events = fixtureEvents({ apiKey: key });
  events.push({ type: 'log', source: 'http', level: 'warn', line: `retry with Authorization: Bearer ${other}`, seq: 999, t: 1, wall: 1 });
  const meta = (events[0] as { meta: SessionMeta }).meta;
  // The run holds the key in its environment and in memory (spec.env, a log line).
  const w = openSessionWriter(dir, meta, { env: { NGC_API_KEY: key, HOME: '/home/u' } });
  for (const e of events) w.append(e);
  w.finish(summarizeSession(reduceAll(events), DEFAULT_PRICE_TABLE));
  for (const f of readdirSync(w.path)) {
    const text = readFileSync(join(w.path, f), 'utf8');
    assert.ok(!text.includes(key), `${f} holds the NGC key`);
    assert.ok(!text.includes(other), `${f} holds the bearer token`);
    assert.ok(!text.includes('Zq9Zq9Zq9'), `${f} holds part of the key`);
  }
  assert.match(readFileSync(join(w.path, EVENTS_FILE), 'utf8'), /\[redacted\]/);
  // Fields that only look token-ish are left alone.
  const s = readSession(dir, w.id);
  assert.equal(s.summary.levels[0].tokenSource, 'usage');
});

test('find by latest / suffix; delete removes only session directories', (t) => {
  const dir = tmp(t);
  const a = record(dir, fixtureEvents({ id: '2026-11-23T10-00-00Z-sim-aaaa' }));
  const b = record(dir, fixtureEvents({ id: '2026-11-23T11-00-00Z-sim-bbbb', profile: 'typical' }));
  assert.deepEqual(findSessionId(dir, 'latest'), { id: b.id });
  assert.deepEqual(findSessionId(dir, 'aaaa'), { id: a.id });
  assert.ok('error' in findSessionId(dir, '2026-11-23'));
  assert.ok('error' in findSessionId(dir, 'zzzz'));
  mkdirSync(join(dir, 'keep-me'));
  assert.throws(() => deleteSession(dir, 'keep-me'), /not a nimble session/);
  assert.throws(() => deleteSession(dir, '../etc'), /invalid session id/);
  deleteSession(dir, a.id);
  assert.deepEqual(listSessions(dir).rows.map((r) => r.id), [b.id]);
  assert.ok(statSync(join(dir, 'keep-me')).isDirectory());
});

test('session.json is replaced atomically: no temp file left behind', (t) => {
  const dir = tmp(t);
  const w = record(dir);
  assert.deepEqual(readdirSync(w.path).filter((f) => f.includes('tmp')), []);
  truncateSync(join(w.path, EVENTS_FILE), 0);
  assert.equal(readSession(dir, w.id).summary.status, 'completed', 'the summary alone is enough');
});
