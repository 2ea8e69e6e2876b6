// nimble-test: io — starts a local server or process: not a unit test (npm run test:unit leaves it out).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimNim } from './server.ts';
import { DIALECTS } from './dialects.ts';
import { toServerSample } from '../../core/server-metrics.ts';

const ENGINE = { nim: 'nim', vllm: 'vllm', 'vllm-old': 'vllm', sglang: 'sglang', tgi: 'tgi', llamacpp: 'llamacpp', 'llamacpp-old': 'llamacpp', none: 'unknown' } as const;

test('each dialect answers its own health path and metric names, and nothing else', async () => {
  for (const dialect of DIALECTS) {
    const sim = await startSimNim({ dialect, startupDelayMs: 60_000 });
    try {
      const status = async (p: string) => (await fetch(sim.url + p)).status;
      const health = dialect === 'nim' ? '/v1/health/ready' : '/health';
      if (dialect === 'none') {
        assert.deepEqual([await status('/v1/health/ready'), await status('/health'), await status('/metrics')], [404, 404, 404]);
      } else {
        assert.equal(await status(health), 503, `${dialect}: not ready during start-up`);
        await sim.setReady(true);
        assert.equal(await status(health), 200);
        assert.equal(await status(dialect === 'nim' ? '/health' : '/v1/health/ready'), 404, `${dialect}: only its own health path`);
        const text = await (await fetch(`${sim.url}/metrics`)).text();
        const s = toServerSample(text, 0);
        assert.equal(s.engine, ENGINE[dialect], `${dialect}: ${text.slice(0, 200)}`);
        assert.equal(s.running, 0);
        assert.equal(s.waiting, 0);
        assert.equal(s.kvCache === null, dialect === 'tgi' || dialect === 'llamacpp', `${dialect}: KV gauge exported or not`);
      }
      assert.equal(await status('/v1/models'), 200);
    } finally {
      await sim.close();
    }
  }
});
