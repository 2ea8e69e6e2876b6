// nimble-test: serial — measures timing; runs alone (scripts/run-tests.mjs).
// `nimble sweep --target` against `nimble sim` started as its own process, as a user would in two shells.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, startSimProcess } from './helpers.ts';

test('nimble sweep --target works against nimble sim in another process and saves a session', async () => {
  const sim = await startSimProcess(['--max-num-seqs', '3', '--kv-tokens', '100000']);
  const dir = mkdtempSync(join(tmpdir(), 'nimble-sweep-'));
  try {
    const url = sim.url;
    const r = spawnSync(
      process.execPath,
      [BIN, 'sweep', '--target', `${url}/v1`, '--json', '--max-concurrency', '8', '--output-tokens', '12', '--sweep-timing', 'quick', '--sessions-dir', dir],
      { encoding: 'utf8', timeout: 180_000 },
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    const s = JSON.parse(readFileSync(join(out.savedTo, 'session.json'), 'utf8'));
    assert.equal(s.meta.mode, 'endpoint');
    assert.equal(s.meta.model, 'meta/llama-3.1-8b-instruct', 'model taken from /v1/models');
    assert.deepEqual(s.smoke.map((c: { ok: boolean }) => c.ok), [true, true, true, true]);
    // max_num_seqs = 3: the queue rule breaks above 3 and the bisect lands on 3.
    const bp = s.breakingPoints.support;
    assert.equal(bp.lastPassing, 3, JSON.stringify(s.levels.map((l: { concurrency: number; verdict: string }) => [l.concurrency, l.verdict])));
    assert.equal(bp.firstFailing, 4);
    assert.equal(bp.rule, 'queue');
    // The GPU behind the endpoint is billed for the length of the test, and stopped.
    const gpu = s.cost.lines.find((l: { id: string }) => l.id === 'gpu-node');
    assert.ok(gpu.usd > 0 && !gpu.running);
  } finally {
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('nimble sweep refuses a bad target with a clear message', () => {
  const r = spawnSync(process.execPath, [BIN, 'sweep', '--target', 'not a url'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--target must be a URL/);
  const down = spawnSync(process.execPath, [BIN, 'sweep', '--target', 'http://127.0.0.1:9', '--plain'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(down.status, 1);
  assert.match(down.stderr, /could not read http:\/\/127\.0\.0\.1:9\/v1\/models.*Is the server up\?/);
});
