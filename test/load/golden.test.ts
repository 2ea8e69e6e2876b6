// nimble-test: serial — measures timing; runs alone (scripts/run-tests.mjs).
// Golden tests of the load engine and sweep against the real simulated NIM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'undici';
import { startSimNim } from '../../src/sim/nim/server.ts';
import { startSimNimInWorker } from '../../src/sim/nim/worker-host.ts';
import { fastProfile, slowProfile, waitFor } from '../../src/sim/nim/testing.ts';
import { runSweep, type SweepOptions } from '../../src/load/sweep-runner.ts';
import { sendChat, chatHeaders } from '../../src/load/request.ts';
import { createSessionClock } from '../../src/core/clock.ts';
import type { EventBody } from '../../src/core/events.ts';
import type { LevelResult } from '../../src/core/sweep-types.ts';

const MODEL = 'meta/llama-3.1-8b-instruct';

function collect() {
  const events: EventBody[] = [];
  return { events, sink: (e: EventBody) => void events.push(e) };
}

function opts(url: string, over: Partial<SweepOptions> = {}): SweepOptions {
  return {
    baseUrl: url,
    model: MODEL,
    shapes: [{ id: 'support', label: 'test', promptTokens: 32, outputTokens: 20, focus: 'TTFT' }],
    maxConcurrency: 4,
    gpuCount: 1,
    gpuHourlyUsd: 2,
    priceTable: 'test',
    timing: 'quick',
    // The test machine is shared: lag is reported, but must not decide these tests.
    validity: { maxLagMs: 1000 },
    ...over,
  };
}

test('deterministic mode: TTFT and ITL measured within 2% of the true values', async () => {
  // The simulator in its own thread, so the test's own work cannot delay its tokens. The true
  // values are long enough that 2 % (10 ms, 2 ms) is more than a busy shared machine's wake-up
  // delay: at 250 ms a CI host under load measured TTFT p50 6 ms late, all of it CPU wait.
  const sim = await startSimNimInWorker({ deterministic: { ttftMs: 500, itlMs: 100 } });
  try {
    const { sink, events } = collect();
    const shape = { id: 'support' as const, label: 't', promptTokens: 32, outputTokens: 10, focus: 'TTFT' as const };
    const out = await runSweep(opts(sim.url, { shapes: [shape], maxConcurrency: 4, timingOverrides: { minMs: 1500, k: 4 } }), sink, createSessionClock(), new AbortController().signal);
    const levels = out.shapes[0].levels;
    assert.deepEqual(levels.map((l) => l.concurrency), [1, 2, 4]);
    for (const l of levels) {
      assert.ok(Math.abs(l.ttft.p50 - 500) <= 10, `TTFT p50 ${l.ttft.p50} at ${l.concurrency}`);
      assert.ok(Math.abs(l.itl.p50 - 100) <= 2, `ITL p50 ${l.itl.p50} at ${l.concurrency}`);
      // TPOT excludes the first token: (E2EL − TTFT) / (10 − 1) = 100 ms.
      assert.ok(Math.abs(l.tpot.p50 - 100) <= 2, `TPOT p50 ${l.tpot.p50}`);
      assert.equal(l.tokenSource, 'usage');
      assert.equal(l.meanOutputTokens, 10);
      assert.equal(l.failed, 0);
      assert.equal(l.verdict, 'pass');
    }
    // 1.4 s requests give levels 1–4 fewer than the 59 TTFT samples a p95 bound needs within the
    // quick window: they may be inconclusive (too few samples), but never a break.
    for (const l of levels) assert.ok(l.outcome === 'pass' || /too few samples/.test(l.outcomeWhy ?? ''), l.outcomeWhy);
    assert.equal(out.shapes[0].breakingPoint.firstFailing, null);
    const types = new Set(events.map((e) => e.type));
    for (const t of ['sweep.started', 'level.started', 'level.progress', 'server.sample', 'level.finished', 'sweep.finished']) assert.ok(types.has(t as EventBody['type']), t);
  } finally {
    await sim.close();
  }
});

test('max_num_seqs = 6: the queue rule breaks at the first level above 6 and the bisect lands on 6', async () => {
  const sim = await startSimNim({ profile: fastProfile({ maxNumSeqs: 6 }) });
  try {
    const { sink } = collect();
    const out = await runSweep(
      opts(sim.url, { maxConcurrency: 64, shapes: [{ id: 'support', label: 't', promptTokens: 32, outputTokens: 64, focus: 'TTFT' }] }),
      sink,
      createSessionClock(),
      new AbortController().signal,
    );
    const { levels, breakingPoint: bp, economics } = out.shapes[0];
    assert.deepEqual(levels.map((l) => l.concurrency), [1, 2, 4, 8, 6, 7]);
    const at = (c: number) => levels.find((l) => l.concurrency === c)!;
    assert.deepEqual(at(8).brokeBy, ['queue']);
    assert.deepEqual(at(7).brokeBy, ['queue']);
    assert.equal(at(6).verdict, 'pass');
    assert.equal(at(6).server.waitingMax, 0);
    assert.ok(at(7).server.waitingMax! >= 1);
    assert.deepEqual({ ...bp, inconclusive: undefined }, { shape: 'support', lastPassing: 6, firstFailing: 7, rule: 'queue', resolution: 1, limitedBy: 'queueing', status: 'found', inconclusive: undefined });
    assert.ok(economics && economics.outputTokPerSPerGpu > 0);
  } finally {
    await sim.close();
  }
});

test('each fault is classified: 429, 500, reset mid-stream, malformed chunk, stall', async () => {
  const cases = [
    ['429', 'http_429'],
    ['500', 'http_500'],
    ['reset', 'reset'],
    ['malformed', 'malformed'],
    ['stall', 'stall'],
  ] as const;
  for (const [kind, cls] of cases) {
    const sim = await startSimNim({ profile: fastProfile(), faults: [{ kind, every: 1 }] });
    const pool = new Pool(sim.url);
    try {
      const rec = await sendChat(pool, {
        path: '/v1/chat/completions',
        headers: chatHeaders(undefined),
        body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 10, stream: true }),
        stream: true,
        requestTimeoutMs: 5000,
        stallTimeoutMs: 300,
        now: () => performance.now(),
        collectGaps: true,
      });
      assert.equal(rec.ok, false, kind);
      assert.equal(rec.errorClass, cls, kind);
    } finally {
      await pool.destroy();
      await sim.close();
    }
  }
});

test('mixed faults in a sweep: counted by class, excluded from latency, the sweep never hangs', async () => {
  const sim = await startSimNim({
    profile: fastProfile(),
    faults: [
      { kind: '429', every: 10 },
      { kind: '500', every: 13 },
      { kind: 'reset', every: 17, afterTokens: 2 },
      { kind: 'malformed', every: 19 },
      { kind: 'stall', every: 23 },
    ],
  });
  try {
    const { sink } = collect();
    const t0 = performance.now();
    const out = await runSweep(
      // minFailures high: the early error-rate stop would end the level before every fault class
      // came round (test/load/honest-sweep.test.ts covers that stop).
      opts(sim.url, { maxConcurrency: 4, timingOverrides: { stallTimeoutMs: 400, minMs: 1500, minFailures: 100 } }),
      sink,
      createSessionClock(),
      new AbortController().signal,
    );
    assert.ok(performance.now() - t0 < 30_000);
    const levels: LevelResult[] = out.shapes[0].levels;
    const total: Record<string, number> = {};
    for (const l of levels) {
      for (const [k, v] of Object.entries(l.errorsByClass)) total[k] = (total[k] ?? 0) + v;
      assert.equal(l.ttft.n, l.completed, 'failed requests are not in the latency stats');
      assert.equal(Object.values(l.errorsByClass).reduce((a, b) => a + b, 0), l.failed);
    }
    for (const k of ['http_429', 'http_500', 'reset', 'malformed', 'stall']) assert.ok((total[k] ?? 0) > 0, `${k} counted: ${JSON.stringify(total)}`);
    // Our counts can never exceed what the server injected (some fall in warm-ups, not windows).
    const s = await sim.stats();
    assert.ok(total.http_429 <= s.faultsInjected['429'] && total.http_500 <= s.faultsInjected['500']);
    assert.ok(total.reset <= s.faultsInjected.reset && total.stall <= s.faultsInjected.stall && total.malformed <= s.faultsInjected.malformed);
    // About 1 in 4 requests fails: success < 95% breaks the first level.
    assert.equal(out.shapes[0].breakingPoint.rule, 'success');
    assert.equal(out.shapes[0].breakingPoint.limitedBy, 'errors');
  } finally {
    await sim.close();
  }
});

test('abort stops promptly, cuts every request and settles with aborted: true', async () => {
  const sim = await startSimNim({ profile: slowProfile() });
  try {
    const ac = new AbortController();
    const { sink } = collect();
    const p = runSweep(opts(sim.url, { maxConcurrency: 8, timing: 'standard' }), sink, createSessionClock(), ac.signal);
    // Abort once the sweep has streams open, so there is something to cut.
    await waitFor(async () => (await sim.stats()).running > 0, 'streams in flight', 30_000);
    const t0 = performance.now();
    ac.abort();
    const out = await p;
    assert.ok(performance.now() - t0 < 3000, `settled in ${performance.now() - t0} ms`);
    assert.equal(out.aborted, true);
    // The server sees every stream closed.
    const deadline = performance.now() + 3000;
    while ((await sim.stats()).running > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await sim.stats()).running, 0);
  } finally {
    await sim.close();
  }
});
