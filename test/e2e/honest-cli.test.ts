// Issue 9 at the command line: --max-concurrency has an upper bound (case 5), and `nimble validate`
// says inconclusive with its own exit code (3) when the breaking point is client-limited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { DEFAULT_PRICE_TABLE } from '../../src/core/cost.ts';
import type { SessionMeta } from '../../src/core/events.ts';
import { reduceAll } from '../../src/core/session-state.ts';
import { summarizeSession } from '../../src/core/session-summary.ts';
import { fixtureEvents } from '../../src/sessions/fixtures.ts';
import type { CommandIo } from '../../src/commands/io.ts';
import { sessionsCommand } from '../../src/commands/sessions.ts';
import { validateCommand } from '../../src/commands/validate.ts';
import { openSessionWriter } from '../../src/sessions/store.ts';

const BIN = new URL('../../bin/nimble.js', import.meta.url).pathname;

test('case 5: --max-concurrency 1e9 is a usage error (exit 2), for run and sweep', () => {
  for (const args of [['run', '--sim', '--plain'], ['sweep', '--target', 'http://127.0.0.1:9', '--plain']]) {
    const r = spawnSync(process.execPath, [BIN, ...args, '--max-concurrency', '1e9'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--max-concurrency must be at most 4096 \(got '1e9'\)/);
  }
});

function io(dir: string): CommandIo & { out: () => string } {
  const o = new PassThrough();
  let out = '';
  o.on('data', (d) => (out += d));
  return { stdout: o, stderr: new PassThrough(), env: { NIMBLE_SESSIONS_DIR: dir, HOME: dir, XDG_CONFIG_HOME: join(dir, 'none') }, cwd: dir, out: () => out };
}

test('validate: 3 when the breaking point is limited by this client, documented in --help; the sessions list says so too', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-honest-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A fast-profile session (makes the Fast tier) whose sweep stopped where this machine gave out.
  const events = fixtureEvents({ id: '2026-11-30T10-00-00Z-sim-fast', profile: 'fast' }).map((e) =>
    e.type === 'sweep.finished'
      ? { ...e, economics: null, breakingPoint: { ...e.breakingPoint, firstFailing: null, rule: null, status: 'client-limited' as const, limitedBy: 'client' as const, why: 'at 32 users, load generator event loop lagged 41.0 ms (p99)', advice: 'use fewer streams' } }
      : e,
  );
  const w = openSessionWriter(dir, (events[0] as { meta: SessionMeta }).meta, { env: {} });
  for (const e of events) w.append(e);
  w.finish(summarizeSession(reduceAll(events), DEFAULT_PRICE_TABLE));

  let x = io(dir);
  assert.equal(await validateCommand(['--tier', 'fast'], x), 3, x.out());
  assert.match(x.out(), /\?\?\s+Breaking point \(support\) from valid, decided levels\s+≥ \d+ users \(limited by this client: at 32 users/);
  assert.match(x.out(), /Inconclusive: no check failed/);
  x = io(dir);
  assert.equal(await validateCommand(['--help'], x), 0);
  assert.match(x.out(), /0  pass[\s\S]*1  miss[\s\S]*3  inconclusive[\s\S]*2  usage/);
  x = io(dir);
  assert.equal(await sessionsCommand([], x), 0);
  assert.match(x.out(), /support ≥\d+ \(client-limited\)/);
});
