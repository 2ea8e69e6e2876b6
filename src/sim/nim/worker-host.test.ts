// nimble-test: io — starts a local server or process: not a unit test (npm run test:unit leaves it out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimNimInWorker } from './worker-host.ts';
import { fastProfile, getText, post } from './testing.ts';

test('worker host: serves from a worker thread; setReady, stats and close work over postMessage', async () => {
  const h = await startSimNimInWorker({ profile: fastProfile() });
  try {
    assert.match(h.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const models = JSON.parse((await getText(h.url + '/v1/models')).body);
    assert.equal(models.data[0].id, 'meta/llama-3.1-8b-instruct');
    const r = await post(h.url, '/v1/completions', { model: 'meta/llama-3.1-8b-instruct', prompt: 'a b c', max_tokens: 4, ignore_eos: true }).done;
    assert.equal(JSON.parse(r.body).usage.completion_tokens, 4);
    const s = await h.stats();
    assert.equal(s.completed, 1);
    assert.equal(s.promptTokensTotal, 3);
    await h.setReady(false);
    assert.equal((await getText(h.url + '/v1/health/ready')).status, 503);
    await h.setReady(true);
    assert.equal((await getText(h.url + '/v1/health/ready')).status, 200);
  } finally {
    await h.close();
  }
  await assert.rejects(fetch(h.url + '/v1/health/live'), 'port is closed');
  await assert.rejects(Promise.resolve(h.stats()), /not running/);
});

test('worker host: bad options fail before a thread starts, with the reason', async () => {
  await assert.rejects(startSimNimInWorker({ maxNumSeqs: 0 }), /maxNumSeqs must be an integer ≥ 1/);
  await assert.rejects(startSimNimInWorker({ profile: 'h200-nope' }), /unknown sim profile 'h200-nope'/);
});
