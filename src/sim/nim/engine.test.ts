// The batching engine on virtual time: exact figures, no waiting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchingEngine, planStep, type Job } from './engine.ts';
import { getProfile, idleFigures, PROFILES, type NimProfile } from './profiles.ts';
import { VirtualTime } from './testing.ts';

interface Traced extends Job {
  times: number[];
  doneAt: number | null;
}

function job(vt: VirtualTime, promptTokens: number, outputTokens: number, maxTokens = outputTokens): Traced {
  const j: Traced = {
    promptTokens,
    maxTokens,
    outputTokens,
    arrival: vt.now(),
    times: [],
    doneAt: null,
    emit(i, now) {
      assert.equal(i, j.times.length, 'tokens come in order');
      j.times.push(now);
    },
    finish(now) {
      j.doneAt = now;
    },
  };
  return j;
}

const A10 = getProfile('a10-llama-3.1-8b');
const close = (a: number, b: number) => Math.abs(a - b) < 1e-6;

test('idle request: TTFT is one prefill, then one decode step per token', () => {
  const vt = new VirtualTime();
  const e = new BatchingEngine(A10, { now: vt.now, timers: vt.timers });
  const j = job(vt, 256, 128);
  assert.equal(e.submit(j), 'running');
  vt.advance(60_000);
  const idle = idleFigures(A10, 256);
  assert.ok(close(j.times[0], idle.ttftMs), `ttft ${j.times[0]} vs ${idle.ttftMs}`);
  assert.ok(close(j.times[0], 12 + 0.3 * 256));
  assert.equal(j.times.length, 128);
  assert.ok(close(j.times[1] - j.times[0], 28.6));
  assert.ok(close(j.doneAt!, j.times[127]));
  assert.equal(e.running, 0);
  assert.equal(e.stats().kvReservedTokens, 0);
  e.close();
});

test('a prefill of new arrivals delays the running batch, and TTFT climbs with a burst', () => {
  const vt = new VirtualTime();
  const e = new BatchingEngine(A10, { now: vt.now, timers: vt.timers });
  const first = job(vt, 256, 100);
  e.submit(first);
  vt.advance(200); // decoding now
  const gapsBefore = first.times[2] - first.times[1];
  const burst = Array.from({ length: 10 }, () => job(vt, 256, 10));
  for (const b of burst) e.submit(b);
  vt.advance(5_000);
  // The steps that prefilled the burst also decoded `first`: its gap grew by a whole prefill chunk.
  const gaps = first.times.slice(1).map((t, i) => t - first.times[i]);
  assert.ok(Math.max(...gaps) >= gapsBefore + A10.prefillMsPerToken * (A10.maxBatchedTokens - 1), `max gap ${Math.max(...gaps)}`);
  const ttfts = burst.map((b) => b.times[0] - b.arrival);
  assert.ok(ttfts[0] > idleFigures(A10, 256).ttftMs * 5, `burst TTFT ${ttfts[0]}`);
  // 10 × 256 prompt tokens exceed one step's budget (2048 less 1 decoding sequence): 7 prompts
  // fit whole in the first step, the rest finish in the next.
  assert.equal(ttfts[6], ttfts[0]);
  assert.ok(ttfts[7] > ttfts[0] + 28, `8th of the burst ${ttfts[7]} vs first ${ttfts[0]}`);
  assert.equal(ttfts[9], ttfts[7]);
  e.close();
});

test('queueing begins exactly when more than maxNumSeqs requests are in flight', () => {
  const vt = new VirtualTime();
  const e = new BatchingEngine({ ...A10, maxNumSeqs: 4 }, { now: vt.now, timers: vt.timers });
  const jobs = Array.from({ length: 6 }, () => job(vt, 10, 50));
  const seen = jobs.map((j) => {
    const r = e.submit(j);
    return { r, running: e.running, waiting: e.waiting };
  });
  assert.deepEqual(
    seen.map((s) => [s.r, s.running, s.waiting]),
    [
      ['running', 1, 0],
      ['running', 2, 0],
      ['running', 3, 0],
      ['running', 4, 0],
      ['waiting', 4, 1],
      ['waiting', 4, 2],
    ],
  );
  e.cancel(jobs[0]); // a slot frees: the head of the queue takes it
  assert.equal(e.running, 4);
  assert.equal(e.waiting, 1);
  e.cancel(jobs[5]); // leaving the queue
  assert.equal(e.waiting, 0);
  vt.advance(60_000);
  assert.equal(e.running, 0);
  assert.ok(jobs.slice(1, 5).every((j) => j.doneAt !== null));
  assert.equal(e.stats().maxWaitingSeen, 2);
  e.close();
});

test('KV gating: admitted only when prompt + max_tokens fits; FIFO head blocks', () => {
  const vt = new VirtualTime();
  const e = new BatchingEngine({ ...A10, kvCacheTokens: 1000 }, { now: vt.now, timers: vt.timers });
  const a = job(vt, 100, 50, 300); // reserves 400
  const b = job(vt, 100, 50, 300); // 800
  const c = job(vt, 100, 50, 300); // would be 1200: waits
  const d = job(vt, 10, 5, 10); // would fit (820) but FIFO: waits behind c
  assert.equal(e.submit(a), 'running');
  assert.equal(e.submit(b), 'running');
  assert.equal(e.submit(c), 'waiting');
  assert.equal(e.submit(d), 'waiting');
  assert.equal(e.stats().kvUsage, 0.8);
  vt.advance(60_000);
  assert.ok([a, b, c, d].every((j) => j.doneAt !== null));
  assert.ok(c.times[0] >= a.doneAt!, 'c starts only after a slot of KV frees');
  e.close();
});

test('default profile starts queueing at concurrency 61 for prompt 256 / output 128 (KV-bound)', () => {
  const vt = new VirtualTime();
  const e = new BatchingEngine(A10, { now: vt.now, timers: vt.timers });
  for (let i = 0; i < 60; i++) e.submit(job(vt, 256, 128));
  assert.equal(e.waiting, 0);
  e.submit(job(vt, 256, 128));
  assert.equal(e.waiting, 1);
  assert.equal(Math.floor(A10.kvCacheTokens / (256 + 128)), 60);
  e.close();
});

test('maxQueue: a full queue answers queue-full', () => {
  const vt = new VirtualTime();
  const e = new BatchingEngine({ ...A10, maxNumSeqs: 1 }, { now: vt.now, timers: vt.timers, maxQueue: 1 });
  assert.equal(e.submit(job(vt, 1, 5)), 'running');
  assert.equal(e.submit(job(vt, 1, 5)), 'waiting');
  assert.equal(e.submit(job(vt, 1, 5)), 'queue-full');
  e.close();
});

test('planStep: prefill budget splits long prompts over steps, decode cost grows with the batch', () => {
  const p: NimProfile = { ...A10, maxBatchedTokens: 1000 };
  const slots = [
    { job: { promptTokens: 10 }, prefilled: 10 },
    { job: { promptTokens: 10 }, prefilled: 10 },
    { job: { promptTokens: 1500 }, prefilled: 0 },
    { job: { promptTokens: 300 }, prefilled: 0 },
  ];
  const plan = planStep(slots, p);
  assert.deepEqual(plan.decode, [0, 1]);
  assert.deepEqual(plan.prefill, [{ index: 2, tokens: 998 }]);
  assert.ok(close(plan.durationMs, p.prefillOverheadMs + 998 * p.prefillMsPerToken + p.decodeBaseMs + 2 * p.decodePerSeqMs));
  assert.equal(planStep([], p).durationMs, 0);
});

test('profiles: the default looks like an A10 running llama-3.1-8b fp16', () => {
  const idle = idleFigures(A10, 256);
  assert.ok(idle.tokPerS > 30 && idle.tokPerS < 40, `${idle.tokPerS} tok/s`);
  assert.ok(1000 / A10.prefillMsPerToken > 2000, 'prefill a few thousand tok/s');
  assert.equal(A10.maxNumSeqs, 256);
  assert.ok(A10.kvCacheTokens > 20_000 && A10.kvCacheTokens < 26_000);
  for (const p of Object.values(PROFILES)) assert.equal(getProfile(p.id), p);
  assert.throws(() => getProfile('nope'), /unknown sim profile 'nope'.*a10-llama-3.1-8b/);
  assert.ok(idleFigures(PROFILES['h100-llama-3.1-8b'], 256).tokPerS > idle.tokPerS * 3);
});
