// `nimble sweep` runs the same test stages as `nimble run` (src/app/sweep-stage.ts): it refuses to
// sweep after a failed smoke test, and stops on the budget and the time box. In --json mode a run
// that did not complete exits non-zero with its reason on stderr in one line, and the document
// lists the run's warnings. Target: the simulator server, in this process; nimble: the real bin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimNim, type SimNimOptions } from '../../src/sim/nim/server.ts';
import { warningOf } from '../../src/app/json-warnings.ts';

import { runNimble } from './helpers.ts';

function nimble(args: string[], timeoutMs = 120_000) {
  // No user config: the default price table (A10 at $2/h).
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: tmpdir(), XDG_CONFIG_HOME: join(tmpdir(), 'nimble-no-config') };
  delete env.NIMBLE_CONFIG;
  return runNimble(args, env, timeoutMs);
}

async function sweepAgainst(sim: SimNimOptions, extra: string[]) {
  const server = await startSimNim(sim);
  const dir = mkdtempSync(join(tmpdir(), 'nimble-guards-'));
  try {
    const r = await nimble(['sweep', '--target', server.url, '--model', 'meta/llama-3.1-8b-instruct', '--json', '--sweep-timing', 'quick', '--max-concurrency', '64', '--output-tokens', '16', '--sessions-dir', dir, ...extra]);
    const doc = r.stdout.trim() ? JSON.parse(r.stdout) : null;
    const events: Array<{ type: string; stage?: string }> = doc?.savedTo ? readFileSync(join(doc.savedTo, 'events.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : [];
    return { ...r, doc, events };
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The stderr line that says why, and nothing else about it. */
function reasonLine(stderr: string): string {
  const lines = stderr.split('\n').filter((l) => l.startsWith('nimble: session '));
  assert.equal(lines.length, 1, `one reason line on stderr, got:\n${stderr}`);
  return lines[0];
}

test('nimble sweep refuses to sweep after a failed smoke test (exit 1, the reason on stderr)', async () => {
  const r = await sweepAgainst({ faults: [{ kind: '500', every: 1 }] }, []);
  assert.equal(r.code, 1, r.stderr);
  const s = r.doc.summary;
  assert.equal(s.status, 'failed');
  assert.match(s.endReason, /^smoke test failed \(.+\): the sweep was skipped$/);
  assert.ok(s.smoke.some((c: { ok: boolean }) => !c.ok));
  assert.equal(s.levels.length, 0, 'no level was measured');
  assert.ok(r.events.some((e) => e.type === 'stage.ended' && e.stage === 'smoke'));
  assert.ok(!r.events.some((e) => e.type === 'stage.started' && e.stage === 'sweep'), 'the sweep stage never started');
  assert.ok(!r.events.some((e) => e.type === 'level.started'));
  assert.match(reasonLine(r.stderr), /^nimble: session \S+ failed: smoke test failed \(.+\): the sweep was skipped$/);
});

test('nimble sweep stops on the budget (GPU time behind the endpoint) and lists warnings in the JSON', async () => {
  // $2/h for the A10 behind the endpoint: $0.002 is spent after 3.6 s, long before a sweep ends.
  // dialect none: no /metrics, which the sweep warns about (a warn-level log line in events.ndjson).
  const started = Date.now();
  const r = await sweepAgainst({ dialect: 'none' }, ['--budget', '0.002']);
  assert.notEqual(r.code, 0, r.stderr);
  const s = r.doc.summary;
  assert.equal(s.status, 'aborted');
  assert.match(s.endReason, /cost reached the budget \$0\.002/);
  assert.ok(s.guards.some((g: { kind: string; action: string }) => g.kind === 'budget' && g.action === 'stopped'));
  assert.ok(s.cost.totalUsd >= 0.002 && s.cost.totalUsd < 0.004, `stopped near the budget: ${s.cost.totalUsd}`);
  assert.ok(Date.now() - started < 60_000);
  assert.match(reasonLine(r.stderr), /^nimble: session \S+ aborted: cost reached the budget/);
  const kinds = r.doc.warnings.map((w: { kind: string }) => w.kind);
  assert.ok(kinds.includes('budget'), JSON.stringify(r.doc.warnings));
  assert.ok(kinds.includes('server-metrics'), JSON.stringify(r.doc.warnings));
  for (const w of r.doc.warnings) assert.ok(typeof w.message === 'string' && w.message.length > 0);
});

test('nimble sweep stops at the time box (--max-duration, session time)', async () => {
  const r = await sweepAgainst({}, ['--max-duration', '4s']);
  assert.notEqual(r.code, 0, r.stderr);
  const s = r.doc.summary;
  assert.equal(s.status, 'aborted');
  assert.match(s.endReason, /time box 4s reached/);
  assert.ok(s.guards.some((g: { kind: string }) => g.kind === 'time-box'));
  assert.ok(s.elapsedMs >= 4000 && s.elapsedMs < 30_000, `elapsed ${s.elapsedMs} ms`);
  assert.match(reasonLine(r.stderr), /^nimble: session \S+ aborted: time box 4s reached/);
});

test('nimble run --json: a failed run exits 1 with its reason on stderr in one line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-guards-'));
  try {
    const r = await nimble(['run', '--sim', '--fail', 'insufficient-gpu', '--profile', 'ultra', '--json', '--sessions-dir', dir]);
    assert.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.summary.status, 'failed');
    assert.ok(Array.isArray(doc.warnings));
    const line = reasonLine(r.stderr);
    assert.ok(line.endsWith(`failed: ${doc.summary.endReason}`), line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('warnings are sorted by kind from the lines the sweep logs', () => {
  const log = (line: string) => warningOf({ type: 'log', source: 'sweep', level: 'warn', line } as never);
  assert.equal(log('support @8 INVALID: the client lagged')?.kind, 'invalid-level');
  assert.equal(log("support: prompt is 700 tokens by the server's count, target 512 (+188)")?.kind, 'prompt-length');
  assert.equal(log('support: stopping at 64 users — this client, not the server, is the limit (cpu)')?.kind, 'client-limit');
  assert.equal(log('something else')?.kind, 'other');
  assert.equal(warningOf({ type: 'log', source: 'sweep', level: 'info', line: 'x INVALID: y' } as never), null);
});
