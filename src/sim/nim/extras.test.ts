// Overload recovery and slow leak on the batching engine, on virtual time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchingEngine, type Job } from './engine.ts';
import { ExtrasEngine } from './extras.ts';
import { getProfile } from './profiles.ts';
import { VirtualTime } from './testing.ts';

const A10 = getProfile('a10-llama-3.1-8b');

function job(vt: VirtualTime, out = 4): Job & { first: number | null; done: number | null } {
  const j = {
    promptTokens: 32, maxTokens: out, outputTokens: out, arrival: vt.now(), first: null as number | null, done: null as number | null,
    emit(i: number, now: number) {
      if (i === 0) j.first = now - j.arrival;
    },
    finish(now: number) {
      j.done = now;
    },
  };
  return j;
}

function engines(extras: ConstructorParameters<typeof ExtrasEngine>[1]) {
  const vt = new VirtualTime();
  return { vt, e: new ExtrasEngine(new BatchingEngine(A10, { now: vt.now, timers: vt.timers }), extras, vt.now, vt.timers) };
}

test('overload: above N requests in the server each new one is held P ms, and for R ms after', () => {
  const { vt, e } = engines({ overload: { aboveRunning: 2, penaltyMs: 500, recoveryMs: 1000 } });
  const a = job(vt);
  const b = job(vt);
  assert.equal(e.submit(a), 'running');
  assert.equal(e.submit(b), 'running');
  const c = job(vt);
  assert.equal(e.submit(c), 'waiting', 'the third is above 2: held');
  assert.equal(e.stats().waiting, 1);
  vt.advance(10_000);
  const fast = a.first!;
  assert.ok(c.first! >= fast + 500, `held: ${c.first} vs ${fast}`);
  // All done at ~t=0.6 s; the penalty lasts 1 s after the count fell back to 2.
  const d = job(vt);
  e.submit(d);
  vt.advance(10_000);
  assert.ok(d.first! < fast + 100, `long after the recovery time: no penalty (${d.first})`);
});

test('leak: first tokens later with uptime, and finished requests keep KV for good', () => {
  const { vt, e } = engines({ leak: { ttftMsPerMin: 600, kvTokensPerRequest: 1000 } });
  const a = job(vt);
  e.submit(a);
  vt.advance(60_000);
  const b = job(vt);
  e.submit(b);
  vt.advance(10_000);
  assert.ok(b.first! - a.first! >= 590, `${a.first} → ${b.first}`);
  assert.ok(Math.abs(e.stats().kvReservedTokens - 2000) < 1e-9, `${e.stats().kvReservedTokens}`);
  // Capped at 95 % of the cache: one request still fits.
  for (let i = 0; i < 40; i++) {
    e.submit(job(vt));
    vt.advance(60_000);
  }
  assert.ok(e.stats().kvUsage <= 0.95 + 1e-9 && e.stats().kvUsage > 0.9, `${e.stats().kvUsage}`);
});
