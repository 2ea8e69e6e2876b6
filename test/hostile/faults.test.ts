// nimble-test: serial — real runs of the binary under faults, each timed and RSS-measured.
// The fault matrix, process and disk half: a closed stdout (EPIPE), SIGTERM, SIGHUP, a full disk
// and a read-only sessions folder. Each case asserts the outcome a user (and their cloud bill)
// needs: a clear message on the channel that is left, the exit code, a readable session that says
// what happened, cleanup finished, nothing left running, within a time and an RSS bound.
// About 25–40 s in all on a 2-core machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runFault, tmpfsWrap, type FaultRun } from './faults-harness.ts';
import { startSimProcess } from '../e2e/helpers.ts';

const TIME_BOUND_MS = 60_000;
const RSS_BOUND_MB = 300;
const SIM = ['run', '--sim', '--plain', '--time-scale', '1000', '--max-concurrency', '2', '--output-tokens', '8', '--seed', '3'];

function bounded(r: FaultRun) {
  assert.ok(r.wallMs < TIME_BOUND_MS, `took ${r.wallMs} ms`);
  assert.ok(r.peakRssMb > 0 && r.peakRssMb < RSS_BOUND_MB, `peak RSS ${r.peakRssMb.toFixed(0)} MB`);
  assert.deepEqual(r.leftAlive, [], 'nothing nimble started is still running');
}

function onlySession(dir: string): { path: string; summary: any; files: string[] } {
  const ids = readdirSync(dir).filter((n) => !n.startsWith('.'));
  assert.equal(ids.length, 1, `one session folder: ${ids.join(', ')}`);
  const path = join(dir, ids[0]);
  const files = readdirSync(path);
  const summary = files.includes('session.json') ? JSON.parse(readFileSync(join(path, 'session.json'), 'utf8')) : null;
  return { path, summary, files };
}

/** Aborted, cleanup finished, every paid (simulated) resource seen stopped. */
function cleanedUp(summary: any, reason: RegExp) {
  assert.equal(summary.status, 'aborted');
  assert.match(summary.endReason, reason);
  assert.equal(summary.stages.cleanup.ok, true, 'cleanup ran and finished');
  assert.ok(summary.cost.lines.length > 0);
  assert.ok(summary.cost.lines.every((l: { running: boolean }) => !l.running), 'every resource stopped');
}

test('stdout closed mid-deploy (nimble run --sim --plain | head -2): stops, cleans up, saves, says so on stderr, exit 141', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-epipe-'));
  try {
    const r = await runFault([...SIM, '--sessions-dir', dir], { closeStdoutAfterLines: 2, timeoutMs: TIME_BOUND_MS });
    bounded(r);
    assert.equal(r.code, 141, r.stderr);
    assert.doesNotMatch(r.stderr, /Unhandled|at .*\.ts:\d+/, 'no stack trace');
    assert.match(r.stderr, /standard output closed \(EPIPE\)/);
    assert.match(r.stderr, /aborted: standard output closed \(EPIPE\); cleanup finished; saved to /);
    const s = onlySession(dir);
    cleanedUp(s.summary, /standard output closed/);
    assert.deepEqual(s.files.sort(), ['events.ndjson', 'session.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('stdout closed during `nimble sweep --target`: the sweep stops and the session is saved, exit 141', async () => {
  const sim = await startSimProcess();
  const dir = mkdtempSync(join(tmpdir(), 'nimble-epipe-sweep-'));
  try {
    const url = sim.url;
    const r = await runFault(['sweep', '--target', `${url}/v1`, '--plain', '--max-concurrency', '4', '--output-tokens', '8', '--sweep-timing', 'quick', '--sessions-dir', dir], {
      closeStdoutAfterLines: 3,
      timeoutMs: TIME_BOUND_MS,
    });
    bounded(r);
    assert.equal(r.code, 141, r.stderr);
    assert.match(r.stderr, /standard output closed/);
    const s = onlySession(dir);
    assert.equal(s.summary.status, 'aborted');
    assert.match(s.summary.endReason, /standard output closed/);
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const [sig, code, when, reason] of [
  ['SIGTERM', 143, /▶ deploy/, /terminated \(SIGTERM\)/],
  ['SIGHUP', 129, /shapes support/, /hung up \(SIGHUP\)/],
] as const) {
  test(`${sig} (${when.source}) takes the first Ctrl-C's path: cleanup, a saved session, exit ${code}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nimble-sig-'));
    try {
      const r = await runFault([...SIM, '--sessions-dir', dir], { signalOn: { pattern: when, signal: sig }, timeoutMs: TIME_BOUND_MS });
      bounded(r);
      assert.equal(r.code, code, r.stderr);
      assert.match(r.stderr, new RegExp(`${reason.source}: stopping — cleaning up`));
      assert.match(r.stdout, /✓ cleanup/);
      const s = onlySession(dir);
      cleanedUp(s.summary, reason);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('disk full mid-run (a 64 KiB tmpfs, 12 KiB free): the run and cleanup go on, exit 1, the last line says what was not saved, no temp file, no false "check the cluster"', async (t) => {
  const copy = mkdtempSync(join(tmpdir(), 'nimble-full-copy-'));
  const dir = mkdtempSync(join(tmpdir(), 'nimble-full-'));
  try {
    const wrap = tmpfsWrap(dir, 64, copy, `dd if=/dev/zero of=${dir}/.filler bs=1k count=52 2>/dev/null`);
    if (!wrap) return t.skip('no mount namespace here (unshare -m not allowed)');
    const r = await runFault([...SIM, '--sessions-dir', dir], { wrap, timeoutMs: TIME_BOUND_MS });
    bounded(r);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /could not write the session log \(.*disk full|ENOSPC/);
    const last = r.stderr.trim().split('\n').pop()!;
    assert.match(last, /^nimble: NOT SAVED: the event log .* is missing its last \d+ event\(s\) \(ENOSPC\); session\.json was not written \(ENOSPC\)$/);
    // The run itself went to the end, cleanup included.
    assert.match(r.stdout, /✓ cleanup/);
    assert.match(r.stdout, /session completed/);
    assert.doesNotMatch(r.stdout, /saved to/);
    const s = onlySession(copy);
    assert.deepEqual(s.files, ['events.ndjson'], 'no session.json.tmp-* and no lock left');
    // The log is a clean prefix (every line parses), and the listing does not send a simulator
    // run to `nimble cleanup`.
    for (const line of readFileSync(join(s.path, 'events.ndjson'), 'utf8').trim().split('\n')) JSON.parse(line);
    const list = await runFault(['sessions', '--json', '--sessions-dir', copy], { timeoutMs: TIME_BOUND_MS });
    const rows = JSON.parse(list.stdout).rows;
    assert.equal(rows.length, 1);
    assert.equal(rows[0].mode, 'sim');
    assert.ok(rows[0].warnings.every((w: string) => !/nimble cleanup/.test(w)), rows[0].warnings.join('; '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(copy, { recursive: true, force: true });
  }
});

test('a read-only sessions folder: a clear error before anything is started, exit 1, nothing left', async (t) => {
  const copy = mkdtempSync(join(tmpdir(), 'nimble-ro-copy-'));
  const dir = mkdtempSync(join(tmpdir(), 'nimble-ro-'));
  try {
    const wrap = tmpfsWrap(dir, 64, copy, `mount -o remount,ro ${dir}`);
    if (!wrap) return t.skip('no mount namespace here (unshare -m not allowed)');
    const r = await runFault([...SIM, '--sessions-dir', dir], { wrap, timeoutMs: TIME_BOUND_MS });
    bounded(r);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /cannot save a session in .* \(EROFS.*\); nothing was started/);
    assert.doesNotMatch(r.stdout, /▶ deploy/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(copy, { recursive: true, force: true });
  }
});

test('usage errors exit 2 with a plain message and leave nothing on disk (theme, zero, negative, zero duration)', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'nimble-usage-')), 'sessions');
  try {
    for (const [args, message] of [
      [['--theme', 'nope'], /Unknown theme "nope"/],
      [['--output-tokens', '0'], /--output-tokens must be an integer ≥ 1, got '0'/],
      [['--budget', '-5'], /--budget must not be negative, got '-5'/],
      [['--max-duration', '0'], /--max-duration must be longer than zero/],
    ] as const) {
      const r = await runFault([...SIM, ...args, '--sessions-dir', dir], { timeoutMs: TIME_BOUND_MS });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /ambiguous|at .*\.ts:\d+/);
      assert.deepEqual(r.leftAlive, []);
      assert.ok(!existsSync(dir), `${args.join(' ')} left ${dir}`);
    }
  } finally {
    rmSync(dirname(dir), { recursive: true, force: true });
  }
});

test('escape sequences in a model id and the config price-table name never reach the terminal (plain output)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-esc-'));
  try {
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ priceTable: { name: 'evil\u001b]0;pwned\u0007\u001b[2J-table', items: {} } }));
    const r = await runFault([...SIM, '--no-sweep', '--model', 'meta/llama\u001b[31m\u009b2J\u0007', '--sessions-dir', join(dir, 's')], { env: { NIMBLE_CONFIG: config }, timeoutMs: TIME_BOUND_MS });
    bounded(r);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /meta\/llama on 1× VM\.GPU\.A10\.1/);
    assert.match(r.stdout, /price table evil-table/);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(r.stdout + r.stderr, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, 'no control character printed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGHUP to the live TUI (in a pseudo-terminal): cleanup runs, the session is saved, and nimble exits without waiting for q, exit 129', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-tui-hup-'));
  try {
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const wrap = (argv: string[]) => ['script', '-qfec', argv.map(q).join(' '), '/dev/null'];
    const probe = await runFault(['version'], { wrap, timeoutMs: 20_000 });
    if (probe.code !== 0 || !/nimble \d/.test(probe.stdout)) return t.skip('no `script` to make a pseudo-terminal here');
    const args = ['run', '--sim', '--time-scale', '100', '--max-concurrency', '2', '--output-tokens', '8', '--seed', '3', '--sessions-dir', dir];
    // The timeline shows a phase "running…" once the deploy has started (something to clean up).
    const r = await runFault(args, { wrap, stdinOpen: true, signalOn: { pattern: /running…/, signal: 'SIGHUP' }, env: { CI: undefined, CONTINUOUS_INTEGRATION: undefined, NO_COLOR: '1' }, timeoutMs: TIME_BOUND_MS });
    bounded(r);
    assert.equal(r.code, 129, r.stdout.slice(-2000));
    const s = onlySession(dir);
    cleanedUp(s.summary, /hung up \(SIGHUP\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
