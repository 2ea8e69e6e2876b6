import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PRICE_TABLE } from '../core/cost.ts';
import type { SessionMeta } from '../core/events.ts';
import { reduceAll } from '../core/session-state.ts';
import { summarizeSession } from '../core/session-summary.ts';
import { fixtureEvents } from '../sessions/fixtures.ts';
import { captureIo } from './io.ts';
import { compareCommand } from './compare.ts';
import { exportCommand } from './export.ts';
import { importCommand } from './import.ts';
import { sessionsCommand } from './sessions.ts';
import { validateCommand } from './validate.ts';
import { replayCommand } from './replay.ts';
import { openSessionWriter } from '../sessions/store.ts';

function setup(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-cmd-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (o: Parameters<typeof fixtureEvents>[0]) => {
    const events = fixtureEvents(o);
    const w = openSessionWriter(dir, (events[0] as { meta: SessionMeta }).meta, { env: {} });
    for (const e of events) w.append(e);
    w.finish(summarizeSession(reduceAll(events), DEFAULT_PRICE_TABLE));
  };
  write({ id: '2026-11-23T10-00-00Z-sim-typi', profile: 'typical' });
  write({ id: '2026-11-23T11-00-00Z-sim-fast', profile: 'fast', cachedModel: true });
  return dir;
}

// No NIMBLE_CONFIG and a HOME without a config: defaults.
const io = (dir: string) => captureIo({ env: { NIMBLE_SESSIONS_DIR: dir, HOME: dir, XDG_CONFIG_HOME: join(dir, 'no-config') }, cwd: dir });

test('validate exits 0 for a session that makes its tier and 1 for one that misses it', async (t) => {
  const dir = setup(t);
  let x = io(dir);
  assert.equal(await validateCommand(['fast', '--tier', 'fast'], x), 0, x.out());
  assert.match(x.out(), /All 6 checks pass/);
  x = io(dir);
  assert.equal(await validateCommand(['typi', '--tier', 'fast'], x), 1);
  assert.match(x.out(), /FAIL.*Deploy within Fast target/);
  x = io(dir);
  assert.equal(await validateCommand(['--tier', 'fast'], x), 0, 'no id: the latest session');
  x = io(dir);
  assert.equal(await validateCommand(['--all'], x), 0);
  assert.match(x.out(), /Reliability over 2 sessions/);
  x = io(dir);
  assert.equal(await validateCommand(['--tier', 'warp'], x), 2);
  assert.match(x.err(), /--tier must be/);
  x = io(dir);
  assert.equal(await validateCommand(['nope'], x), 1);
  assert.match(x.err(), /no session 'nope'/);
});

test('compare --json and --md; bad flags exit 2', async (t) => {
  const dir = setup(t);
  let x = io(dir);
  assert.equal(await compareCommand(['typi', 'fast', '--json'], x), 0);
  const c = JSON.parse(x.out());
  assert.equal(c.sessions.length, 2);
  assert.ok(c.cost.deploymentDeltas[1] < 0);
  assert.ok(c.differences.some((d: { label: string }) => d.label === 'Simulator profile'));
  x = io(dir);
  assert.equal(await compareCommand(['typi', 'fast', '--md'], x), 0);
  assert.match(x.out(), /### What changed/);
  x = io(dir);
  assert.equal(await compareCommand(['typi'], x), 2);
  x = io(dir);
  assert.equal(await compareCommand(['typi', 'fast', '--colour'], x), 2);
  assert.match(x.err(), /unknown flag --colour/);
});

test('sessions without a terminal: a table, unreadable entries listed; --json', async (t) => {
  const dir = setup(t);
  mkdirSync(join(dir, 'junk'));
  writeFileSync(join(dir, 'junk', 'session.json'), '{nope');
  let x = io(dir);
  assert.equal(await sessionsCommand([], x), 0);
  assert.match(x.out(), /^ID\s+DATE\s+MODE/);
  assert.match(x.out(), /sim:fast .*Fast/);
  assert.match(x.out(), /unreadable: junk — session.json is not valid JSON/);
  x = io(dir);
  assert.equal(await sessionsCommand(['--json'], x), 0);
  const j = JSON.parse(x.out());
  assert.equal(j.rows.length, 2);
  assert.equal(j.unreadable[0].name, 'junk');
});

test('export and import round trip through the commands', async (t) => {
  const dir = setup(t);
  let x = io(dir);
  assert.equal(await exportCommand(['fast', '--format', 'csv'], x), 0);
  assert.equal(x.out().trim().split('\n').length, 7);
  x = io(dir);
  assert.equal(await exportCommand(['fast', '--format', 'pdf'], x), 2);
  x = io(dir);
  const fx = new URL('../sessions/fixtures/vllm-bench-serve-c4.json', import.meta.url).pathname;
  assert.equal(await importCommand([fx, '--shape', 'support', '--json'], x), 0, x.err());
  const r = JSON.parse(x.out());
  assert.equal(r.format, 'vllm');
  x = io(dir);
  await sessionsCommand(['--json'], x);
  assert.equal(JSON.parse(x.out()).rows.length, 3);
  x = io(dir);
  assert.equal(await importCommand([fx, '--shape', 'chat'], x), 2);
});

test('replay without a terminal prints the final screen', async (t) => {
  const dir = setup(t);
  const x = io(dir);
  assert.equal(await replayCommand(['fast', '--speed', '100'], { ...x, env: { ...x.env, NO_COLOR: '1' } }), 0, x.err());
  assert.match(x.out(), /Fast/);
  const y = io(dir);
  assert.equal(await replayCommand(['fast', '--speed', '7'], y), 2);
});
