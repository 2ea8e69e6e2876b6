// nimble-test: serial — runs real sweeps whose queue rule must trip where the slots run out.
// `nimble sweep --target` against the simulator speaking each engine's dialect (health path and
// metric names of NIM, vLLM old and new, SGLang, TGI, llama.cpp old and new) and a server with no
// health endpoint and no metrics at all (issue 9: any OpenAI-compatible server works).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimNim } from '../../src/sim/nim/server.ts';
import type { Dialect } from '../../src/sim/nim/dialects.ts';
import { runNimble } from './helpers.ts';

function events(savedTo: string): Array<Record<string, any>> {
  return readFileSync(join(savedTo, 'events.ndjson'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

interface Expect {
  health: string;
  engine: string;
  kv: boolean;
  queue: boolean;
}

const CASES: Array<[Dialect, Expect]> = [
  ['nim', { health: '/v1/health/ready', engine: 'nim', kv: true, queue: true }],
  ['vllm', { health: '/health', engine: 'vllm', kv: true, queue: true }],
  ['vllm-old', { health: '/health', engine: 'vllm', kv: true, queue: true }],
  ['sglang', { health: '/health', engine: 'sglang', kv: true, queue: true }],
  ['tgi', { health: '/health', engine: 'tgi', kv: false, queue: true }],
  ['llamacpp', { health: '/health', engine: 'llamacpp', kv: false, queue: true }],
  ['llamacpp-old', { health: '/health', engine: 'llamacpp', kv: true, queue: true }],
  ['none', { health: '/v1/models', engine: 'unknown', kv: false, queue: false }],
];

// Four at a time: each sweep is mostly waiting on the simulator's timing.
describe('engine dialects', { concurrency: 4 }, () => {
for (const [dialect, want] of CASES) {
  test(`sweep --target against a ${dialect} dialect: health ${want.health}, metrics ${want.engine}`, async () => {
    const sim = await startSimNim({ dialect, maxNumSeqs: 2, kvCacheTokens: 100_000 });
    const dir = mkdtempSync(join(tmpdir(), `nimble-dialect-${dialect}-`));
    try {
      const r = await runNimble(
        // The server without metrics is run with --plain: every line a user reads must say so.
        ['sweep', '--target', sim.url, dialect === 'none' ? '--plain' : '--json', '--max-concurrency', '3', '--output-tokens', '12', '--sweep-timing', 'quick', '--sessions-dir', dir],
        process.env,
        120_000,
      );
      assert.equal(r.code, 0, r.stderr);
      const savedTo = dialect === 'none' ? join(dir, readdirSync(dir)[0]) : JSON.parse(r.stdout).savedTo;
      const out = { savedTo };
      const s = JSON.parse(readFileSync(join(out.savedTo, 'session.json'), 'utf8'));
      const smoke = Object.fromEntries(s.smoke.map((c: { name: string }) => [c.name, c]));
      assert.ok(smoke.ready.ok && smoke.models.ok && smoke.chat.ok && smoke.metrics.ok, JSON.stringify(s.smoke));
      assert.match(smoke.ready.detail, new RegExp(`GET ${want.health} → 200`));
      const started = events(out.savedTo).find((e) => e.type === 'sweep.started')!;
      assert.equal(started.serverMetrics.available, want.engine !== 'unknown');
      assert.equal(started.serverMetrics.engine, want.engine);
      const levels = s.levels as Array<{ concurrency: number; server: { engine: string; kvCacheMax: number | null; waitingMax: number | null } }>;
      assert.ok(levels.length >= 3);
      for (const l of levels) {
        assert.equal(l.server.engine, want.engine, `level ${l.concurrency}`);
        assert.equal(l.server.kvCacheMax !== null, want.kv, `KV cache known at level ${l.concurrency}: ${l.server.kvCacheMax}`);
      }
      const bp = s.breakingPoints.support;
      if (want.queue) {
        // Two slots: the queue rule trips above 2 users, whatever the gauge is called.
        assert.equal(bp.lastPassing, 2, JSON.stringify(levels.map((l) => [l.concurrency, (l as { verdict?: string }).verdict])));
        assert.equal(bp.rule, 'queue');
      } else {
        assert.equal(smoke.metrics.warn, true);
        assert.match(smoke.metrics.detail, /client-side rules alone/);
        assert.ok(levels.every((l) => l.server.waitingMax === null), 'no queue reading is invented');
        assert.notEqual(bp.rule, 'queue');
        // Said when the sweep starts and again in the summary.
        const said = r.stdout.match(/no server metrics \(.*\): the sweep runs on client-side rules alone/g) ?? [];
        assert.ok(said.length >= 2, r.stdout);
        assert.match(r.stdout, /tokens: prompt 256 requested \/ \d+ by the server's count · output 12 requested \/ 12 \(server usage\)/);
      }
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
});
