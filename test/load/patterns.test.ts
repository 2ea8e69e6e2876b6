// nimble-test: serial — measures timing; runs alone (scripts/run-tests.mjs).
// Golden tests of the load patterns against the simulated NIM, in compressed time (windows of 1 s):
// a spike's recovery time known from the simulator's overload parameters, a soak with and without
// a slow leak, and stress against max_num_seqs = N.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimNimInWorker } from '../../src/sim/nim/worker-host.ts';
import { fastProfile } from '../../src/sim/nim/testing.ts';
import { runPattern } from '../../src/load/pattern-runner.ts';
import { parsePattern } from '../../src/core/patterns.ts';
import type { EventBody } from '../../src/core/events.ts';

const MODEL = 'meta/llama-3.1-8b-instruct';
const SMALL = { promptTokens: 32, outputTokens: 5 };

function collect() {
  const events: EventBody[] = [];
  return { events, sink: (e: EventBody) => void events.push(e) };
}

test('spike: recovery time from the simulator’s overload parameters is measured within one window', async () => {
  // Above 4 running requests the server is overloaded; each new request's first token then comes
  // 900 ms late, and goes on doing so for 3 s after the overload ends. The overload ends when the
  // spike's surplus users have left (their last, penalised request: at most ttft + penalty +
  // 4 × itl = 1280 ms after the spike); the last late first token is seen penalty + ttft after
  // the 3 s. So the true recovery lies in [3000 + 900 + 300, that + 1280] ms, and a measurement
  // with one-window resolution may add up to one window. Tolerance 50 % (baseline 300 → 450 ms,
  // penalised 1200 ms): a loaded CI host's wake-up delays stay far inside it.
  const ttft = 300;
  const penalty = 900;
  const recovery = 3000;
  const drainMax = ttft + penalty + 4 * 20;
  const sim = await startSimNimInWorker({ deterministic: { ttftMs: ttft, itlMs: 20, overload: { aboveRunning: 4, penaltyMs: penalty, recoveryMs: recovery } } });
  try {
    const spec = parsePattern({ pattern: 'spike', base: '2', peak: '8', hold: '4s', spike: '3s', after: '9s', window: '1s', 'recovery-windows': '2', 'recovery-tolerance': '0.5' });
    const { sink, events } = collect();
    const r = await runPattern({ baseUrl: sim.url, model: MODEL, spec, shapeOverride: SMALL }, sink, new AbortController().signal);
    const s = r.spike!;
    const lo = recovery + penalty + ttft;
    const hi = lo + drainMax;
    assert.ok(Math.abs(s.baselineTtftP95Ms - ttft) < 0.2 * ttft, `baseline ${s.baselineTtftP95Ms}`);
    assert.ok(s.spikeTtftP95Ms > ttft + penalty * 0.9, `p95 during the spike ${s.spikeTtftP95Ms}`);
    assert.equal(s.spikeErrorRate, 0);
    assert.notEqual(s.recoveryMs, null, s.note);
    assert.ok(s.recoveryMs! >= lo && s.recoveryMs! <= hi + spec.windowMs, `recovery ${s.recoveryMs} ms, true recovery in [${lo}, ${hi}] ms, resolution ${spec.windowMs} ms`);
    const wins = events.filter((e) => e.type === 'pattern.window');
    assert.equal(wins.length, 16);
    assert.ok(events.some((e) => e.type === 'pattern.finished'));
  } finally {
    await sim.close();
  }
});

test('soak: a slow leak is flagged as drifting, the same soak without it is not', async () => {
  const spec = parsePattern({ pattern: 'soak', users: '4', duration: '8s', window: '1s' });
  const run = async (leak: boolean) => {
    const sim = await startSimNimInWorker({
      deterministic: { ttftMs: 300, itlMs: 10, ...(leak ? { leak: { ttftMsPerMin: 2400, kvTokensPerRequest: 40 } } : {}) },
    });
    try {
      return await runPattern({ baseUrl: sim.url, model: MODEL, spec, shapeOverride: SMALL, scrapeMs: 250 }, () => {}, new AbortController().signal);
    } finally {
      await sim.close();
    }
  };
  const leaky = (await run(true)).soak!;
  const ttftLeak = leaky.drift.find((d) => d.metric === 'ttft_p95_ms')!;
  const kvLeak = leaky.drift.find((d) => d.metric === 'kv_cache_use')!;
  assert.equal(leaky.verdict, 'drifting');
  assert.equal(ttftLeak.verdict, 'drifting', JSON.stringify(ttftLeak));
  // 40 ms per second of TTFT: the slope's CI must hold it.
  assert.ok(ttftLeak.slope!.lowPerHour <= 40 * 3600 && ttftLeak.slope!.highPerHour >= 40 * 3600 * 0.8, JSON.stringify(ttftLeak.slope));
  assert.equal(kvLeak.verdict, 'drifting', JSON.stringify(kvLeak));
  const clean = (await run(false)).soak!;
  assert.notEqual(clean.verdict, 'drifting', JSON.stringify(clean.drift));
  assert.notEqual(clean.drift.find((d) => d.metric === 'kv_cache_use')!.verdict, 'drifting');
});

test('stress: max_num_seqs = 4 breaks at the first step above 4 users, by graceful queueing', async () => {
  // 20 ms per decode step, 10 tokens: a request holds its slot ~200 ms, far longer than a client's
  // turn-around, so the queue is there in every scrape once users > slots and never before.
  const sim = await startSimNimInWorker({ profile: fastProfile({ maxNumSeqs: 4, decodeBaseMs: 20, decodePerSeqMs: 0 }) });
  try {
    const spec = parsePattern({ pattern: 'stress', start: '2', step: '2', max: '10', hold: '3s', window: '1s' });
    const r = await runPattern({ baseUrl: sim.url, model: MODEL, spec, shapeOverride: { promptTokens: 32, outputTokens: 10 }, scrapeMs: 250 }, () => {}, new AbortController().signal);
    const st = r.stress!;
    assert.equal(st.firstBreak, 6, JSON.stringify(st.steps));
    assert.equal(st.maxUsers, 4);
    assert.equal(st.failureMode, 'graceful-queueing');
    assert.deepEqual(st.steps.map((s) => s.users), [2, 4, 6], 'stops after the breaking step');
    assert.ok(st.steps[2].broke.includes('queue'));
    assert.ok(st.breakingReqPerS! > 0);
  } finally {
    await sim.close();
  }
});
