// nimble-test: io — starts a local server or process: not a unit test (npm run test:unit leaves it out).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSimNim, type SimNimHandle } from './server.ts';
import { countChatPromptTokens, countPromptTokens, makeChatMessages, makePrompt } from './tokens.ts';
import { fastProfile, getText, post, scrape, slowProfile, waitFor } from './testing.ts';

const MODEL = 'meta/llama-3.1-8b-instruct';
const servers: SimNimHandle[] = [];
async function start(o: Parameters<typeof startSimNim>[0] = {}): Promise<SimNimHandle> {
  const h = await startSimNim({ profile: fastProfile(), ...o });
  servers.push(h);
  return h;
}
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

test('health: live at once, ready 503 until setReady(true), and completions 503 while not ready', async () => {
  const h = await start({ startupDelayMs: 60_000 });
  assert.equal((await getText(h.url + '/v1/health/live')).status, 200);
  assert.equal((await getText(h.url + '/v1/health/ready')).status, 503);
  const r = await post(h.url, '/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'hi' }] }).done;
  assert.equal(r.status, 503);
  assert.match(JSON.parse(r.body).error.message, /not ready/);
  await h.setReady(true);
  assert.equal((await getText(h.url + '/v1/health/ready')).status, 200);
  await h.setReady(false);
  assert.equal((await getText(h.url + '/v1/health/ready')).status, 503);
});

test('health: ready by itself after startupDelayMs', async () => {
  const h = await start({ startupDelayMs: 30 });
  assert.equal((await h.stats()).ready, false);
  await waitFor(async () => (await getText(h.url + '/v1/health/ready')).status === 200, 'ready');
});

test('/v1/models lists the served model', async () => {
  const h = await start({ model: 'custom/model-x' });
  const r = await getText(h.url + '/v1/models');
  const j = JSON.parse(r.body);
  assert.equal(j.object, 'list');
  assert.equal(j.data.length, 1);
  assert.equal(j.data[0].id, 'custom/model-x');
  assert.equal(j.data[0].object, 'model');
  assert.equal(j.data[0].owned_by, 'meta');
});

test('streaming chat: role-only first chunk, one chunk per token, finish, usage, [DONE]', async () => {
  const h = await start();
  const messages = makeChatMessages(256);
  const r = await post(h.url, '/v1/chat/completions', {
    model: MODEL,
    messages,
    max_tokens: 17,
    ignore_eos: true,
    stream: true,
    stream_options: { include_usage: true },
  }).done;
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /^text\/event-stream/);
  assert.equal(r.events.at(-1)!.data, '[DONE]');
  const chunks = r.events.slice(0, -1).map((e) => JSON.parse(e.data));
  assert.deepEqual(chunks[0].choices[0].delta, { role: 'assistant', content: '' });
  assert.equal(chunks[0].object, 'chat.completion.chunk');
  const content = chunks.filter((c) => c.choices[0]?.delta?.content);
  assert.equal(content.length, 17);
  const fin = chunks.at(-2);
  assert.equal(fin.choices[0].finish_reason, 'length');
  const usage = chunks.at(-1);
  assert.deepEqual(usage.choices, []);
  assert.deepEqual(usage.usage, { prompt_tokens: 256, completion_tokens: 17, total_tokens: 273 });
  assert.equal(countChatPromptTokens(messages), 256);
});

test('streaming without include_usage sends no usage chunk', async () => {
  const h = await start();
  const r = await post(h.url, '/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 3, ignore_eos: true, stream: true }).done;
  const chunks = r.events.slice(0, -1).map((e) => JSON.parse(e.data));
  assert.ok(chunks.every((c) => !c.usage));
  assert.equal(chunks.at(-1).choices[0].finish_reason, 'length');
});

test('streaming completions: text chunks, no role chunk, usage', async () => {
  const h = await start();
  const prompt = makePrompt(100);
  const r = await post(h.url, '/v1/completions', { model: MODEL, prompt, max_tokens: 5, min_tokens: 5, stream: true, stream_options: { include_usage: true } }).done;
  const chunks = r.events.slice(0, -1).map((e) => JSON.parse(e.data));
  assert.equal(chunks[0].object, 'text_completion');
  assert.equal(typeof chunks[0].choices[0].text, 'string');
  assert.ok(chunks[0].choices[0].text.length > 0, 'first completion chunk is a token');
  assert.equal(chunks.filter((c) => c.choices[0]?.text).length, 5);
  assert.deepEqual(chunks.at(-1).usage, { prompt_tokens: 100, completion_tokens: 5, total_tokens: 105 });
});

test('non-streaming chat and completion return one JSON with usage', async () => {
  const h = await start();
  const r = await post(h.url, '/v1/chat/completions', { model: MODEL, messages: makeChatMessages(40), max_tokens: 12, ignore_eos: true }).done;
  assert.equal(r.status, 200);
  const j = JSON.parse(r.body);
  assert.equal(j.object, 'chat.completion');
  assert.equal(j.choices[0].message.role, 'assistant');
  assert.equal(j.choices[0].finish_reason, 'length');
  assert.equal(countPromptTokens(j.choices[0].message.content), 12);
  assert.deepEqual(j.usage, { prompt_tokens: 40, completion_tokens: 12, total_tokens: 52 });
  const c = JSON.parse((await post(h.url, '/v1/completions', { model: MODEL, prompt: 'one two three', max_tokens: 4, ignore_eos: true }).done).body);
  assert.equal(c.object, 'text_completion');
  assert.equal(c.usage.prompt_tokens, 3);
  assert.equal(c.usage.completion_tokens, 4);
});

test('natural stop: ≤ max_tokens, seeded and repeatable; min_tokens ≥ max_tokens forces the full length', async () => {
  const lengths = async (seed: number) => {
    const h = await start({ seed });
    const out: number[] = [];
    for (let i = 0; i < 8; i++) {
      const j = JSON.parse((await post(h.url, '/v1/completions', { model: MODEL, prompt: 'x', max_tokens: 50 }).done).body);
      assert.equal(j.choices[0].finish_reason, j.usage.completion_tokens === 50 ? 'length' : 'stop');
      out.push(j.usage.completion_tokens);
    }
    return out;
  };
  const a = await lengths(7);
  assert.deepEqual(await lengths(7), a);
  assert.ok(a.every((n) => n >= 1 && n <= 50));
  assert.ok(a.some((n) => n < 50), 'some requests stop before max_tokens');
  const h = await start();
  const j = JSON.parse((await post(h.url, '/v1/completions', { model: MODEL, prompt: 'x', max_tokens: 30, min_tokens: 30 }).done).body);
  assert.equal(j.usage.completion_tokens, 30);
  const d = JSON.parse((await post(h.url, '/v1/completions', { model: MODEL, prompt: 'x' }).done).body);
  assert.ok(d.usage.completion_tokens <= 256, 'default max_tokens is 256');
});

test('bad requests: malformed JSON, missing messages, unknown model, context too long, unknown path', async () => {
  const h = await start();
  const bad = await post(h.url, '/v1/chat/completions', '{"model": ').done;
  assert.equal(bad.status, 400);
  assert.match(JSON.parse(bad.body).error.message, /not valid JSON/);
  const noMsg = await post(h.url, '/v1/chat/completions', { model: MODEL }).done;
  assert.equal(noMsg.status, 400);
  assert.equal(JSON.parse(noMsg.body).error.param, 'messages');
  const unknown = await post(h.url, '/v1/chat/completions', { model: 'nope', messages: [{ role: 'user', content: 'x' }] }).done;
  assert.equal(unknown.status, 404);
  assert.match(JSON.parse(unknown.body).error.message, /model not found/);
  const long = await post(h.url, '/v1/completions', { model: MODEL, prompt: makePrompt(8000), max_tokens: 500 }).done;
  assert.equal(long.status, 400);
  assert.match(JSON.parse(long.body).error.message, /maximum context length is 8192/);
  const badMax = await post(h.url, '/v1/completions', { model: MODEL, prompt: 'x', max_tokens: 0 }).done;
  assert.equal(badMax.status, 400);
  assert.equal((await getText(h.url + '/v1/nothing')).status, 404);
  assert.equal((await getText(h.url + '/v1/chat/completions')).status, 405);
});

test('metrics: NIM names, HELP/TYPE, model_name label, and they reflect load', async () => {
  const h = await start({ profile: slowProfile() });
  const streams = [0, 1, 2].map(() =>
    post(h.url, '/v1/chat/completions', { model: MODEL, messages: makeChatMessages(50), max_tokens: 100, ignore_eos: true, stream: true }),
  );
  await waitFor(async () => (await h.stats()).running === 3, '3 running');
  const text = (await getText(h.url + '/metrics')).body;
  for (const name of ['num_requests_running', 'num_requests_waiting', 'num_request_max', 'gpu_cache_usage_perc', 'prompt_tokens_total', 'generation_tokens_total', 'request_success_total']) {
    assert.match(text, new RegExp(`^# TYPE ${name} (gauge|counter)$`, 'm'), name);
    assert.match(text, new RegExp(`^${name}\\{model_name="${MODEL}"`, 'm'), name);
  }
  for (const name of ['time_to_first_token_seconds', 'time_per_output_token_seconds', 'e2e_request_latency_seconds']) {
    assert.match(text, new RegExp(`^# TYPE ${name} histogram$`, 'm'));
    assert.match(text, new RegExp(`^${name}_bucket\\{model_name="${MODEL}",le="\\+Inf"\\} \\d+$`, 'm'));
  }
  const m = await scrape(h.url);
  assert.equal(m.get('num_requests_running'), 3);
  assert.equal(m.get('num_requests_waiting'), 0);
  assert.equal(m.get('num_request_max'), 256);
  assert.ok(m.get('gpu_cache_usage_perc')! > 0);
  assert.equal(m.get('gpu_cache_usage_perc'), (3 * (50 + 100)) / 23_040);
  for (const s of streams) s.abort();
  await waitFor(async () => (await h.stats()).running === 0, 'cancelled streams free their slots');

  const f = await start();
  for (let i = 0; i < 2; i++) {
    await post(f.url, '/v1/completions', { model: MODEL, prompt: makePrompt(10), max_tokens: 6, ignore_eos: true }).done;
  }
  const m2 = await scrape(f.url);
  assert.equal(m2.get('prompt_tokens_total'), 20);
  assert.equal(m2.get('generation_tokens_total'), 12);
  assert.equal(m2.get(`request_success_total{model_name="${MODEL}",finished_reason="length"}`), 2);
  assert.equal(m2.get('time_to_first_token_seconds_count'), 2);
  assert.equal(m2.get('e2e_request_latency_seconds_count'), 2);
  assert.ok(m2.get('time_to_first_token_seconds_sum')! > 0);
  assert.equal((await getText(f.url + '/metrics')).body, (await getText(f.url + '/v1/metrics')).body);
});

test('close() ends open streams and frees the port', async () => {
  const h = await startSimNim({ profile: slowProfile() });
  const s = post(h.url, '/v1/chat/completions', { model: MODEL, messages: [{ role: 'user', content: 'x' }], max_tokens: 1000, stream: true });
  await waitFor(async () => (await h.stats()).running === 1, 'stream open');
  await h.close();
  const r = await s.done;
  assert.ok(r.error, 'the client sees its stream cut');
  await assert.rejects(fetch(h.url + '/v1/health/live'));
  const again = await startSimNim({ port: h.port });
  assert.equal(again.port, h.port);
  await again.close();
});
