// nimble-test: io — starts a local server or process: not a unit test (npm run test:unit leaves it out).
// nimble-test: serial — measures timing; runs alone (scripts/run-tests.mjs).
// Scheduling, deterministic timing and admission control through real HTTP.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSimNim, type SimNimHandle } from './server.ts';
import { makeChatMessages } from './tokens.ts';
import type { ServedTimingSnapshot } from './served-timing.ts';
import { post, scrape, slowProfile, waitFor } from './testing.ts';

const MODEL = 'meta/llama-3.1-8b-instruct';
const servers: SimNimHandle[] = [];
async function start(o: Parameters<typeof startSimNim>[0]): Promise<SimNimHandle> {
  const h = await startSimNim(o);
  servers.push(h);
  return h;
}
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const longChat = (prompt = 20, max = 1000) => ({ model: MODEL, messages: makeChatMessages(prompt), max_tokens: max, ignore_eos: true, stream: true });

test('maxNumSeqs 4: 4 in flight → waiting 0; the 5th → waiting 1 (scraped from /v1/metrics)', async () => {
  const h = await start({ profile: slowProfile(), maxNumSeqs: 4 });
  const streams = [];
  for (let i = 1; i <= 5; i++) {
    streams.push(post(h.url, '/v1/chat/completions', longChat()));
    await waitFor(async () => (await h.stats()).requests === i, `request ${i} arrived`);
    const m = await scrape(h.url);
    assert.equal(m.get('num_requests_running'), Math.min(i, 4), `running at ${i}`);
    assert.equal(m.get('num_requests_waiting'), i <= 4 ? 0 : 1, `waiting at ${i}`);
  }
  streams[0].abort();
  await waitFor(async () => (await h.stats()).waiting === 0, 'queued request takes the freed slot');
  assert.equal((await h.stats()).running, 4);
  for (const s of streams) s.abort();
  await waitFor(async () => (await h.stats()).running === 0, 'all cancelled');
  assert.equal((await h.stats()).maxWaitingSeen, 1);
});

test('default profile queues from the 61st concurrent prompt-256/output-128 request (KV-bound)', async () => {
  const h = await start({ profile: slowProfile() }); // default KV and slots, slowed decode
  const body = { ...longChat(256, 128) };
  const streams = Array.from({ length: 60 }, () => post(h.url, '/v1/chat/completions', body));
  await waitFor(async () => (await h.stats()).requests === 60, '60 arrived');
  let m = await scrape(h.url);
  assert.equal(m.get('num_requests_waiting'), 0);
  assert.ok(Math.abs(m.get('gpu_cache_usage_perc')! - (60 * 384) / 23_040) < 1e-9);
  streams.push(post(h.url, '/v1/chat/completions', body));
  await waitFor(async () => (await h.stats()).requests === 61, '61 arrived');
  m = await scrape(h.url);
  assert.equal(m.get('num_requests_running'), 60);
  assert.equal(m.get('num_requests_waiting'), 1);
  for (const s of streams) s.abort();
  await waitFor(async () => (await h.stats()).running === 0, 'all cancelled');
});

test('KV gating over HTTP: a third request waits for KV room while slots are free', async () => {
  const h = await start({ profile: slowProfile(), kvCacheTokens: 1000 });
  const body = longChat(91, 300); // 91 + 300 = 391 reserved each
  const a = [post(h.url, '/v1/chat/completions', body), post(h.url, '/v1/chat/completions', body)];
  await waitFor(async () => (await h.stats()).running === 2, '2 running');
  a.push(post(h.url, '/v1/chat/completions', body));
  await waitFor(async () => (await h.stats()).waiting === 1, 'third waits');
  const s = await h.stats();
  assert.equal(s.kvReservedTokens, 782);
  assert.equal(s.running, 2);
  const tooBig = await post(h.url, '/v1/completions', { model: MODEL, prompt: 'x', max_tokens: 1000 }).done;
  assert.equal(tooBig.status, 400);
  assert.match(JSON.parse(tooBig.body).error.message, /KV cache/);
  for (const x of a) x.abort();
});

test('maxQueue: 429 with Retry-After when the queue is full', async () => {
  const h = await start({ profile: slowProfile(), maxNumSeqs: 1, maxQueue: 1 });
  const a = post(h.url, '/v1/chat/completions', longChat());
  const b = post(h.url, '/v1/chat/completions', longChat());
  await waitFor(async () => (await h.stats()).waiting === 1, 'one queued');
  const c = await post(h.url, '/v1/chat/completions', longChat()).done;
  assert.equal(c.status, 429);
  assert.equal(c.headers['retry-after'], '1');
  assert.match(JSON.parse(c.body).error.message, /queue is full/);
  assert.equal((await h.stats()).rejectedQueueFull, 1);
  a.abort();
  b.abort();
});

test('deterministic mode: client TTFT and ITL match the configured truth within a few ms', async () => {
  const ttftMs = 40;
  const itlMs = 10;
  const h = await start({ deterministic: { ttftMs, itlMs } });
  const runs = await Promise.all(
    Array.from({ length: 4 }, () => post(h.url, '/v1/chat/completions', { ...longChat(50, 20), stream_options: { include_usage: true } }).done),
  );
  for (const r of runs) {
    const content = r.events.filter((e) => e.data !== '[DONE]' && JSON.parse(e.data).choices[0]?.delta?.content);
    assert.equal(content.length, 20);
    // The role chunk leaves the server the moment the request arrives, so timing from it removes
    // connection set-up and request upload from the comparison; from the send it is looser.
    // The role chunk itself takes a few ms to reach this (busy) client, so the tight lower bound
    // is the one from the send: nothing can come before ttftMs after it.
    const fromArrival = content[0].t - r.events[0].t;
    assert.ok(fromArrival >= ttftMs - 8 && fromArrival < ttftMs + 15, `ttft from arrival ${fromArrival.toFixed(2)} ms`);
    const ttft = content[0].t - r.start;
    assert.ok(ttft >= ttftMs - 1 && ttft < ttftMs + 40, `ttft ${ttft.toFixed(2)} ms`);
    const meanItl = (content[19].t - content[0].t) / 19;
    assert.ok(Math.abs(meanItl - itlMs) < 2, `mean itl ${meanItl.toFixed(2)} ms`);
  }
  const s = await h.stats();
  assert.equal(s.completed, 4);
  assert.equal(s.waiting, 0);
  // The simulator's own lateness: one observation per token written, almost all within 5 ms here.
  const m = await scrape(h.url);
  assert.equal(m.get('nimble_sim_token_lateness_seconds_count'), 4 * 20);
  const le5 = [...m].find(([k]) => k.startsWith('nimble_sim_token_lateness_seconds_bucket') && k.includes('le="0.005"'))![1];
  assert.ok(le5 >= 0.9 * 80, `${le5} of 80 tokens within 5 ms`);
});

test('deterministic mode: /sim/served-timing reports what was written, per request and per gap; reset empties it', async () => {
  const h = await start({ deterministic: { ttftMs: 30, itlMs: 8 } });
  await Promise.all(Array.from({ length: 3 }, () => post(h.url, '/v1/chat/completions', longChat(20, 10)).done));
  const snap = (await (await fetch(`${h.url}/sim/served-timing`)).json()) as ServedTimingSnapshot;
  assert.equal(snap.ttft.n, 3, 'one first token per request');
  assert.equal(snap.itl.n, 3 * 9, 'nine gaps per 10-token stream');
  assert.ok(snap.ttft.min >= 29 && snap.ttft.p50 < 30 + 10, `served TTFT p50 ${snap.ttft.p50}`);
  assert.ok(Math.abs(snap.itl.p50 - 8) < 2, `served ITL p50 ${snap.itl.p50}`);
  assert.equal(snap.dropped, 0);
  assert.equal((await fetch(`${h.url}/sim/served-timing/reset`, { method: 'POST' })).status, 200);
  const empty = (await (await fetch(`${h.url}/sim/served-timing`)).json()) as ServedTimingSnapshot;
  assert.deepEqual([empty.ttft.n, empty.itl.n], [0, 0]);
  assert.equal((await fetch(`${h.url}/sim/served-timing/reset`)).status, 405, 'reset needs POST');
  // Only in deterministic mode: a realistic server has no schedule to be held to.
  const real = await start({ profile: slowProfile() });
  const r = await fetch(`${real.url}/sim/served-timing`);
  assert.equal(r.status, 404);
  assert.match(((await r.json()) as { error: { message: string } }).error.message, /deterministic mode only/);
});

test('deterministic mode has no slot limit: 300 streams run at once', async () => {
  const h = await start({ deterministic: { ttftMs: 5_000, itlMs: 10 } });
  const streams = Array.from({ length: 300 }, () => post(h.url, '/v1/completions', { model: MODEL, prompt: 'x', max_tokens: 5, stream: true }));
  await waitFor(async () => (await h.stats()).requests === 300, '300 arrived', 10_000);
  const m = await scrape(h.url);
  assert.equal(m.get('num_requests_running'), 300);
  assert.equal(m.get('num_requests_waiting'), 0);
  for (const s of streams) s.abort();
  await waitFor(async () => (await h.stats()).running === 0, 'all cancelled');
});
