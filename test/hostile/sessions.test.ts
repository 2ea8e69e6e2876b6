// nimble-test: serial — reads a generated 120 MB log with the real binary, RSS-measured.
// The fault matrix, sessions half: a huge interrupted log, a copied folder, symlinks, 160k bad
// event lines, a 6 MB line, events with a header and no body. Each case: exit code, a clear
// message, a bounded RSS and time, nothing left running. About 20–30 s on a 2-core machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { render } from 'ink-testing-library';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PRICE_TABLE } from '../../src/core/cost.ts';
import type { NimbleEvent, SessionMeta } from '../../src/core/events.ts';
import { reduceAll } from '../../src/core/session-state.ts';
import { summarizeSession } from '../../src/core/session-summary.ts';
import { fixtureEvents } from '../../src/sessions/fixtures.ts';
import { listSessions, openSessionWriter, PARTIAL_CACHE_FILE } from '../../src/sessions/store.ts';
import { SessionsBrowser } from '../../src/ui/sessions/browser.tsx';
import { sessionsAdapter } from '../../src/commands/session-context.ts';
import { runFault, type FaultRun } from './faults-harness.ts';

const TIME_BOUND_MS = 60_000;

function bounded(r: FaultRun, rssMb: number) {
  assert.ok(r.wallMs < TIME_BOUND_MS, `took ${r.wallMs} ms`);
  assert.ok(r.peakRssMb > 0 && r.peakRssMb < rssMb, `peak RSS ${r.peakRssMb.toFixed(0)} MB (bound ${rssMb} MB)`);
  assert.deepEqual(r.leftAlive, []);
}

function finished(dir: string, id: string, profile: 'fast' | 'typical' = 'fast'): string {
  const events = fixtureEvents({ profile, id });
  const w = openSessionWriter(dir, (events[0] as { meta: SessionMeta }).meta, { env: {} });
  for (const e of events) w.append(e);
  w.finish(summarizeSession(reduceAll(events), DEFAULT_PRICE_TABLE));
  return w.path;
}

/** An interrupted session: the start of a real log, then `lines` produced by `more` up to `bytes`. */
function interrupted(dir: string, id: string, bytes: number, more: (seq: number, t: number) => string): string {
  const all = fixtureEvents({ profile: 'typical', id });
  const head = all.slice(0, all.findIndex((e) => e.type === 'level.finished'));
  const path = join(dir, id);
  mkdirSync(path, { recursive: true });
  const fd = openSync(join(path, 'events.ndjson'), 'w');
  let written = 0;
  for (const e of head) written += writeSync(fd, JSON.stringify(e) + '\n');
  const last = head[head.length - 1] as NimbleEvent;
  let batch: string[] = [];
  for (let seq = last.seq + 1; written < bytes; seq++) {
    const line = more(seq, last.t + seq) + '\n';
    batch.push(line);
    written += Buffer.byteLength(line);
    if (batch.length === 5000) {
      writeSync(fd, batch.join(''));
      batch = [];
    }
  }
  writeSync(fd, batch.join(''));
  closeSync(fd);
  return path;
}

const SERVER_LOG = 'INFO 12-01 07:00:00 metrics.py:341] Avg prompt throughput: 1024.0 tokens/s, Avg generation throughput: 512.0 tokens/s, Running: 8 reqs';

test('a 120 MB interrupted log: finding another session never reads it; listing streams it once (bounded RSS), then uses its cached summary', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-huge-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const big = interrupted(dir, '2026-11-20T10-00-00Z-sim-big1', 120e6, (seq, t) => JSON.stringify({ type: 'log', source: 'pod/nimble-nim-0', level: 'info', line: SERVER_LOG, seq, t, wall: t }));
  finished(dir, '2026-11-21T10-00-00Z-sim-smal');

  const v = await runFault(['validate', 'smal', '--sessions-dir', dir], { timeoutMs: TIME_BOUND_MS });
  bounded(v, 150);
  assert.match(v.stdout, /2026-11-21T10-00-00Z-sim-smal/);
  assert.ok(!existsSync(join(big, PARTIAL_CACHE_FILE)), 'the big log was not read to find another session');

  const first = await runFault(['sessions', '--json', '--sessions-dir', dir], { timeoutMs: TIME_BOUND_MS });
  bounded(first, 300);
  const rows = JSON.parse(first.stdout).rows;
  assert.deepEqual(rows.map((r: { id: string; status: string; partial: boolean }) => [r.id.slice(-4), r.status, r.partial]), [['big1', 'aborted', true], ['smal', 'completed', false]]);
  assert.ok(existsSync(join(big, PARTIAL_CACHE_FILE)), 'the rebuilt summary is cached beside the log');
  const again = await runFault(['sessions', '--json', '--sessions-dir', dir], { timeoutMs: TIME_BOUND_MS });
  bounded(again, 150);
  assert.deepEqual(JSON.parse(again.stdout).rows, rows, 'the cached summary lists the same row');
  // The log grows (a writer resumed?): the cache is stale and the log is read again.
  writeFileSync(join(big, 'events.ndjson'), JSON.stringify({ type: 'log', source: 'x', level: 'info', line: 'later', seq: 1e9, t: 1e9, wall: 1e9 }) + '\n', { flag: 'a' });
  const stale = listSessions(dir).rows[0];
  assert.equal(stale.id, '2026-11-20T10-00-00Z-sim-big1');
});

test('160k bad event lines, a 6 MB line and header-only events: a readable session with a short, clear list of what was skipped', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-bad-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = interrupted(dir, '2026-11-20T10-00-00Z-sim-bad1', 5.2e6, (seq) => JSON.stringify({ type: 'log', seq }));
  const extra = [
    JSON.stringify({ type: 'cluster.signal', seq: 1, t: 1, wall: 1 }),
    JSON.stringify({ type: 'session.ended', seq: 2, t: 2, wall: 2 }),
    JSON.stringify({ type: 'log', source: 'x', level: 'info', seq: 3, t: 3, wall: 3, line: 'x'.repeat(6e6) }),
    '',
  ].join('\n');
  writeFileSync(join(path, 'events.ndjson'), extra, { flag: 'a' });
  const r = await runFault(['validate', 'bad1', '--sessions-dir', dir], { timeoutMs: TIME_BOUND_MS });
  bounded(r, 300);
  assert.equal(r.code, 1, 'validate runs (and the interrupted session fails its tier)');
  assert.doesNotMatch(r.stderr, /Maximum call stack|TypeError|Cannot read properties/);
  const lines = r.stderr.trim().split('\n');
  assert.ok(lines.length <= 25, `a short list, not one line per bad line (${lines.length})`);
  assert.match(r.stderr, /… and 1\d{5} more skipped line\(s\)/);
  // The capped list shows the first 20; the rest is counted. Header-only events are named as such
  // when they come first: check them on their own.
  const one = join(dir, '2026-11-20T10-00-00Z-sim-hdr1');
  interrupted(dir, '2026-11-20T10-00-00Z-sim-hdr1', 0, () => '');
  writeFileSync(join(one, 'events.ndjson'), extra, { flag: 'a' });
  const h = await runFault(['validate', 'hdr1', '--sessions-dir', dir], { timeoutMs: TIME_BOUND_MS });
  assert.match(h.stderr, /'cluster\.signal' event without signal \(object\)/);
  assert.match(h.stderr, /'session\.ended' event without status \(string\)/);
  assert.match(h.stderr, /longer than 4194304 bytes/);
  assert.doesNotMatch(h.stderr, /TypeError|Cannot read properties/);
});

test('symlinks are not followed: a linked events.ndjson or session folder is listed unreadable and never read or deleted through', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-links-'));
  const outside = mkdtempSync(join(tmpdir(), 'nimble-outside-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });
  const real = finished(outside, '2026-11-19T10-00-00Z-sim-real');
  mkdirSync(join(dir, '2026-11-20T10-00-00Z-sim-lnk1'));
  symlinkSync(join(real, 'events.ndjson'), join(dir, '2026-11-20T10-00-00Z-sim-lnk1', 'events.ndjson'));
  symlinkSync(real, join(dir, '2026-11-20T10-00-00Z-sim-lnk2'));
  const r = await runFault(['sessions', '--json', '--sessions-dir', dir], { timeoutMs: TIME_BOUND_MS });
  bounded(r, 300);
  const list = JSON.parse(r.stdout);
  assert.deepEqual(list.rows, []);
  assert.deepEqual(
    list.unreadable.map((u: { name: string; reason: string }) => `${u.name.slice(-4)}: ${u.reason}`),
    ['lnk1: events.ndjson is a symbolic link: not followed', 'lnk2: a symbolic link, not followed'],
  );
  const e = await runFault(['export', 'lnk2', '--format', 'json', '--sessions-dir', dir], { timeoutMs: TIME_BOUND_MS });
  assert.equal(e.code, 1);
  assert.match(e.stderr, /symbolic link, not followed/);
  assert.ok(existsSync(join(real, 'session.json')));
});

test('a session folder copied to backup-copy is its own row; d in the browser deletes that folder, not the original', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-copy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const original = finished(dir, '2026-11-23T11-00-00Z-sim-orig');
  cpSync(original, join(dir, 'backup-copy'), { recursive: true });
  const { rows } = listSessions(dir);
  assert.deepEqual(rows.map((r) => r.id), ['2026-11-23T11-00-00Z-sim-orig', 'backup-copy']);
  assert.match(rows[1].warnings.join(' '), /folder backup-copy holds session 2026-11-23T11-00-00Z-sim-orig/);

  const r = render(React.createElement(SessionsBrowser, { sessions: sessionsAdapter(dir, DEFAULT_PRICE_TABLE), onAction: () => {}, width: 100 }));
  const until = async (ok: (f: string) => boolean) => {
    const end = Date.now() + 3000;
    while (!ok(r.lastFrame() ?? '') && Date.now() < end) await new Promise((res) => setTimeout(res, 10));
    return r.lastFrame() ?? '';
  };
  await until((f) => /backup-copy/.test(f));
  // Each key once its frame is on screen: the filter prompt, then the filter applied to the list.
  r.stdin.write('/');
  await until((f) => f.includes('▏'));
  for (const k of [...'backup', '\r']) r.stdin.write(k);
  await until((f) => /filter: backup\b/.test(f) && !f.includes('▏'));
  r.stdin.write('d');
  await until((f) => /backup-copy\?|delete/i.test(f));
  r.stdin.write('y');
  const frame = await until((f) => /deleted/.test(f));
  r.unmount();
  assert.match(frame, /deleted backup-copy/);
  assert.ok(!existsSync(join(dir, 'backup-copy')), 'the copy is gone');
  assert.ok(existsSync(join(original, 'session.json')), 'the original is still there');
  assert.equal(JSON.parse(readFileSync(join(original, 'session.json'), 'utf8')).id, '2026-11-23T11-00-00Z-sim-orig');
});

test('an imported file with escape sequences in its model id: imported, and `nimble sessions` prints it without them', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-esc-import-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const good = JSON.parse(readFileSync(new URL('../../src/sessions/fixtures/vllm-bench-serve-c4.json', import.meta.url), 'utf8'));
  const file = join(dir, 'result.json');
  writeFileSync(file, JSON.stringify({ ...good, model_id: 'llama\u001b]8;;http://x\u0007link\u001b]8;;\u0007\u001b[2J\u009b31m' }));
  const imp = await runFault(['import', file, '--sessions-dir', join(dir, 's')], { timeoutMs: TIME_BOUND_MS });
  assert.equal(imp.code, 0, imp.stderr);
  const list = await runFault(['sessions', '--sessions-dir', join(dir, 's')], { timeoutMs: TIME_BOUND_MS });
  bounded(list, 300);
  assert.match(list.stdout, /llamalink/);
  // eslint-disable-next-line no-control-regex
  assert.doesNotMatch(list.stdout + list.stderr, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ ...good, completed: -1 }));
  const refused = await runFault(['import', bad, '--sessions-dir', join(dir, 's2')], { timeoutMs: TIME_BOUND_MS });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /completed requests is -1/);
  assert.ok(!existsSync(join(dir, 's2')), 'a refused import saves nothing');
});

test('`nimble sessions | head -1` over 1500 sessions (250 kB of table, beyond any pipe buffer): a closed stdout ends the listing quietly (no stack trace)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-many-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = finished(dir, '2026-11-01T00-00-00Z-sim-0000');
  for (let i = 1; i < 1500; i++) cpSync(first, join(dir, `2026-11-01T00-00-00Z-sim-${String(i).padStart(4, '0')}`), { recursive: true });
  const r = await runFault(['sessions', '--sessions-dir', dir], { closeStdoutAfterLines: 1, timeoutMs: TIME_BOUND_MS });
  bounded(r, 300);
  // 141 when the write meets the closed pipe; 0 when the compiled bin wrote the whole table before the
  // reader closed (the kernel took it all). Either way: no stack trace, nothing on stderr.
  assert.ok(r.code === 141 || r.code === 0, `exit ${r.code}: ${r.stderr}`);
  assert.equal(r.stderr, '');
});
