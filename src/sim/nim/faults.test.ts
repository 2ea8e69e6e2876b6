// nimble-test: io — starts a local server or process: not a unit test (npm run test:unit leaves it out).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { faultHits, parseFaults, pickFault, validateFault } from './faults.ts';
import { startSimNim, type SimNimHandle } from './server.ts';
import { fastProfile, post, waitFor } from './testing.ts';

const MODEL = 'meta/llama-3.1-8b-instruct';
const servers: SimNimHandle[] = [];
async function start(o: Parameters<typeof startSimNim>[0]): Promise<SimNimHandle> {
  const h = await startSimNim({ profile: fastProfile(), ...o });
  servers.push(h);
  return h;
}
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const chat = (extra: object = {}) => ({
  model: MODEL,
  messages: [{ role: 'user', content: 'hello' }],
  max_tokens: 10,
  ignore_eos: true,
  stream: true,
  stream_options: { include_usage: true },
  ...extra,
});
const contentOf = (data: string) => JSON.parse(data).choices[0]?.delta?.content;

test('rate faults are evenly spaced and exact; every-k hits the k-th, 2k-th…', () => {
  const hits = (f: Parameters<typeof faultHits>[0], n: number) => Array.from({ length: n }, (_, i) => i).filter((i) => faultHits(f, i));
  assert.equal(hits({ kind: '500', rate: 0.05 }, 100).length, 5);
  assert.equal(hits({ kind: '500', rate: 0.29 }, 100).length, 29);
  assert.deepEqual(hits({ kind: '500', rate: 0.25 }, 12), [3, 7, 11]);
  assert.deepEqual(hits({ kind: '429', every: 3 }, 10), [2, 5, 8]);
  assert.deepEqual(hits({ kind: '429', rate: 0 }, 50), []);
  assert.equal(hits({ kind: '429', rate: 1 }, 7).length, 7);
  assert.equal(pickFault([{ kind: '429', every: 2 }, { kind: '500', every: 1 }], 1)!.kind, '429');
  assert.equal(pickFault([{ kind: '429', every: 2 }, { kind: '500', every: 1 }], 0)!.kind, '500');
});

test('parseFaults reads the CLI form and explains mistakes', () => {
  assert.deepEqual(parseFaults('429:0.05,reset:1/50:after=5'), [
    { kind: '429', rate: 0.05 },
    { kind: 'reset', every: 50, afterTokens: 5 },
  ]);
  assert.deepEqual(parseFaults('429:1/4:retry-after=2'), [{ kind: '429', every: 4, retryAfterS: 2 }]);
  assert.throws(() => parseFaults('boom:0.1'), /unknown fault 'boom'/);
  assert.throws(() => parseFaults('429'), /expected KIND:RATE/);
  assert.throws(() => parseFaults('429:1.5'), /rate '1.5'/);
  assert.throws(() => parseFaults('reset:0.1:later=3'), /option 'later=3'/);
  assert.throws(() => validateFault({ kind: '500', rate: 0.1, every: 2 }), /exactly one of/);
});

test('429 fault: every 2nd request, with Retry-After', async () => {
  const h = await start({ faults: [{ kind: '429', every: 2, retryAfterS: 3 }] });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await post(h.url, '/v1/chat/completions', chat()).done;
    statuses.push(r.status);
    if (r.status === 429) {
      assert.equal(r.headers['retry-after'], '3');
      assert.equal(JSON.parse(r.body).error.code, 429);
    }
  }
  assert.deepEqual(statuses, [200, 429, 200, 429]);
  assert.equal((await h.stats()).faultsInjected['429'], 2);
});

test('500 fault: OpenAI-style error body', async () => {
  const h = await start({ faults: [{ kind: '500', every: 1 }] });
  const r = await post(h.url, '/v1/completions', { model: MODEL, prompt: 'x' }).done;
  assert.equal(r.status, 500);
  assert.equal(JSON.parse(r.body).error.type, 'InternalServerError');
});

test('reset fault: the connection is destroyed after exactly `after` tokens', async () => {
  const h = await start({ faults: [{ kind: 'reset', every: 1, afterTokens: 4 }] });
  const r = await post(h.url, '/v1/chat/completions', chat()).done;
  assert.equal(r.status, 200);
  assert.ok(r.error, 'client sees the stream fail');
  assert.equal(r.events.filter((e) => contentOf(e.data)).length, 4);
  assert.ok(!r.events.some((e) => e.data === '[DONE]'));
  const s = await h.stats();
  assert.equal(s.faultsInjected.reset, 1);
  assert.equal(s.running, 0, 'the reset request left the engine');
  assert.equal(s.completed, 0);
});

test('stall fault: stops sending mid-stream without closing; close() still ends it', async () => {
  const h = await startSimNim({ profile: fastProfile(), faults: [{ kind: 'stall', every: 1, afterTokens: 2 }] });
  const s = post(h.url, '/v1/chat/completions', chat(), { timeoutMs: 300 });
  const r = await s.done;
  assert.equal(r.error?.message, 'timeout', 'nothing more arrives and the stream is not closed');
  assert.equal(r.events.filter((e) => contentOf(e.data)).length, 2);
  assert.equal((await h.stats()).running, 0, 'the stalled request no longer holds a slot');
  const closing = h.close();
  await closing;
  s.abort();
});

test('malformed fault: one data line is invalid JSON, the stream then carries on to [DONE]', async () => {
  const h = await start({ faults: [{ kind: 'malformed', every: 1, afterTokens: 3 }] });
  const r = await post(h.url, '/v1/chat/completions', chat()).done;
  assert.equal(r.events.at(-1)!.data, '[DONE]');
  const bad = r.events.filter((e) => {
    try {
      JSON.parse(e.data);
      return false;
    } catch {
      return e.data !== '[DONE]';
    }
  });
  assert.equal(bad.length, 1);
  const good = r.events.filter((e) => !bad.includes(e) && e.data !== '[DONE]').map((e) => JSON.parse(e.data));
  assert.equal(good.filter((c) => c.choices[0]?.delta?.content).length, 10);
  const nonStream = await post(h.url, '/v1/chat/completions', chat({ stream: false })).done;
  assert.equal(nonStream.status, 200);
  assert.throws(() => JSON.parse(nonStream.body));
});

test('faults count only well-formed generation requests', async () => {
  const h = await start({ faults: [{ kind: '500', every: 2 }] });
  await post(h.url, '/v1/chat/completions', '{bad').done;
  await post(h.url, '/v1/chat/completions', { model: 'other', messages: [{ role: 'user', content: 'x' }] }).done;
  assert.equal((await post(h.url, '/v1/chat/completions', chat()).done).status, 200);
  assert.equal((await post(h.url, '/v1/chat/completions', chat()).done).status, 500);
  await waitFor(async () => (await h.stats()).requests === 2, 'two counted');
});
