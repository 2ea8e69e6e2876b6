// nimble-test: serial — measures timing; runs alone (scripts/run-tests.mjs).
// The simulator's overload recovery and slow leak through the real binary, with the realistic
// (batching) engine: `nimble sim --overload` under a spike shows a recovery time, `nimble load
// --sim --sim-leak` makes a soak drift, and the same soak without it does not. Compressed time
// (windows of 1 s); the golden figures are in patterns.test.ts (deterministic engine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BIN, runNimble } from '../e2e/helpers.ts';
const SMALL = ['--prompt-tokens', '32', '--output-tokens', '5'];

const nimble = (args: string[], timeoutMs = 90_000) => runNimble(args, process.env, timeoutMs);

test('nimble sim --overload: a spike against it shows the recovery time the flags give', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-simflags-'));
  // Above 4 requests in the server, each new request is held 600 ms; that goes on for 2 s after.
  const sim = spawn(process.execPath, [BIN, 'sim', '--port', '0', '--overload', '4:600:2000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: sim.stdout }).once('line', resolve);
      sim.once('exit', (c) => reject(new Error(`nimble sim exited ${c}`)));
    });
    const url = /listening on (http:\/\/\S+) \(gpu [^,]+, overload above 4: \+600 ms, recovers 2000 ms after\)/.exec(first)?.[1];
    assert.ok(url, first);
    const r = await nimble(['load', '--target', url, '--pattern', 'spike', '--base', '2', '--peak', '8', '--hold', '4s', '--spike', '3s', '--after', '8s', '--window', '1s', '--recovery-windows', '2', '--recovery-tolerance', '0.5', ...SMALL, '--json', '--sessions-dir', dir]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout).result.spike;
    // During the spike first tokens come ≥ 600 ms late; the baseline is the batching delay alone.
    assert.ok(s.spikeTtftP95Ms > s.baselineTtftP95Ms + 500, JSON.stringify(s));
    // Recovery: no sooner than the 2 s the server needs after the spike's users have left, and it
    // does recover before the run ends (8 s after the spike).
    assert.notEqual(s.recoveryMs, null, s.note);
    assert.ok(s.recoveryMs >= 2000 && s.recoveryMs <= 7000, `recovery ${s.recoveryMs} ms`);
  } finally {
    sim.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nimble load --sim --sim-leak: a soak drifts; without the flag it does not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-simflags-'));
  try {
    const soak = async (extra: string[]) => {
      const r = await nimble(['load', '--sim', ...extra, '--pattern', 'soak', '--users', '4', '--duration', '8s', '--window', '1s', ...SMALL, '--json', '--sessions-dir', dir]);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout).result.soak;
    };
    // TTFT +40 ms per second of uptime, 40 KV tokens kept per finished request.
    const leaky = await soak(['--sim-leak', '2400:40']);
    assert.equal(leaky.verdict, 'drifting', JSON.stringify(leaky.drift));
    assert.equal(leaky.drift.find((d: { metric: string }) => d.metric === 'ttft_p95_ms').verdict, 'drifting');
    assert.equal(leaky.drift.find((d: { metric: string }) => d.metric === 'kv_cache_use').verdict, 'drifting');
    const clean = await soak([]);
    assert.notEqual(clean.verdict, 'drifting', JSON.stringify(clean.drift));
    // A leak flag without --sim is a usage error, not silently ignored.
    const bad = await nimble(['load', '--target', 'http://127.0.0.1:9', '--sim-leak', '10', '--pattern', 'soak', '--users', '1', '--duration', '2s']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--sim-leak shapes the built-in simulator: it needs --sim/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
