// Issue 9 against a real HTTP server: streams that never end after a good smoke test give no
// answer (case 4); a client that cannot keep up (its event loop blocked by a test hook, as CPU hogs
// would) is re-measured once, then named as the limit; a failing target is stopped on its error rate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runSweep, runSmokeTest, type SweepOptions } from '../../src/load/sweep-runner.ts';
import { createSessionClock } from '../../src/core/clock.ts';
import type { EventBody } from '../../src/core/events.ts';
import { levelOutcome } from '../../src/core/sweep.ts';
import { breakingPointText, sweepAnswer } from '../../src/core/result-text.ts';

const MODEL = 'stub/model';

type Mode = 'fast' | 'drip' | 'fail';

/** fast: 3 content chunks 1 ms apart; drip: after the first chat (the smoke test) a byte a second, forever; fail: 500. */
async function server(mode: Mode): Promise<{ url: string; chats: () => number; close: () => Promise<void> }> {
  let chats = 0;
  const timers = new Set<NodeJS.Timeout>();
  const s = http.createServer((req, res) => {
    if (req.url === '/v1/models') return res.end(JSON.stringify({ data: [{ id: MODEL }] }));
    if (req.url === '/v1/health/ready') return res.end('{}');
    if (req.url === '/v1/metrics' || req.url === '/metrics') return res.end('tgi_queue_size 0\ntgi_batch_current_size 1\n');
    req.resume();
    req.on('end', () => {
      chats++;
      if (mode === 'fail') {
        res.writeHead(500, { 'content-type': 'application/json' });
        return res.end('{"error":{"message":"boom"}}');
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (i: number) => `data: {"choices":[{"delta":{"content":"w${i} "}}]}\n\n`;
      if (mode === 'drip' && chats > 1) {
        res.write(chunk(0));
        const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(' ')), 1000);
        timers.add(t);
        return;
      }
      let i = 0;
      const send = () => {
        if (res.destroyed) return;
        if (i === 3) return void res.end('data: {"choices":[{"delta":{},"finish_reason":"length"}]}\n\ndata: [DONE]\n\n');
        res.write(chunk(i++));
        setTimeout(send, 1);
      };
      send();
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return {
    url,
    chats: () => chats,
    close: () => new Promise<void>((r) => {
      for (const t of timers) clearInterval(t);
      s.closeAllConnections();
      s.close(() => r());
    }),
  };
}

const opts = (url: string, over: Partial<SweepOptions> = {}): SweepOptions => ({
  baseUrl: url,
  model: MODEL,
  shapes: [{ id: 'support', label: 't', promptTokens: 8, outputTokens: 3, focus: 'TTFT' }],
  maxConcurrency: 4,
  gpuCount: 1,
  gpuHourlyUsd: 2,
  priceTable: 't',
  timing: 'quick',
  ...over,
});

function collect() {
  const events: EventBody[] = [];
  return { events, sink: (e: EventBody) => void events.push(e) };
}

test('case 4: streams that never end after a good smoke test — nothing completed, no answer, the sweep stops', async () => {
  const s = await server('drip');
  try {
    const { sink, events } = collect();
    const smoke = await runSmokeTest(s.url, MODEL, undefined, sink, new AbortController().signal);
    assert.ok(smoke.find((c) => c.name === 'chat')!.ok, JSON.stringify(smoke));
    // The machine is shared: lag must not decide this test (a lagging level would be re-measured).
    const out = await runSweep(opts(s.url, { validity: { maxLagMs: 1000 }, timingOverrides: { warmupMaxMs: 1500, minMs: 300 } }), sink, createSessionClock(), new AbortController().signal);
    const { levels, breakingPoint: bp, economics } = out.shapes[0];
    assert.deepEqual(levels.map((l) => l.concurrency), [1], 'a level where nothing finished ends the climb');
    assert.equal(levels[0].completed, 0);
    assert.equal(levelOutcome(levels[0]), 'inconclusive');
    assert.equal(bp.status, 'no-answer');
    assert.equal(economics, null);
    assert.doesNotMatch(breakingPointText(bp), /never broke|≥/);
    assert.equal(sweepAnswer({ support: bp }).status, 'none', 'the session fails: exit 1, no tier for the test stage');
    assert.ok(events.some((e) => e.type === 'log' && /no request finished/.test(e.line)));
  } finally {
    await s.close();
  }
});

test('a client that cannot keep up (event loop blocked by the test hook) is re-measured once, then named as the limit', async () => {
  const s = await server('fast');
  try {
    const { sink, events } = collect();
    // The hook blocks the load worker 40 ms in every 50: its timers run ~40 ms late, as under CPU hogs.
    const out = await runSweep(opts(s.url, { testBlockLoopMs: 40, timingOverrides: { coolDownMs: 100, minMs: 500, maxMs: 1500 } }), sink, createSessionClock(), new AbortController().signal);
    const { levels, breakingPoint: bp, economics } = out.shapes[0];
    assert.deepEqual(levels.map((l) => [l.concurrency, l.attempt ?? 1]), [[1, 1], [1, 2]], 'level 1, then its re-measurement, then stop');
    for (const l of levels) {
      assert.equal(levelOutcome(l), 'inconclusive');
      assert.match(l.clientLimit!, /event loop lagged/);
    }
    assert.equal(bp.status, 'client-limited');
    assert.equal(bp.limitedBy, 'client');
    assert.equal(economics, null);
    assert.match(breakingPointText(bp), /^no answer \(limited by this client: at 1 user, load generator event loop lagged .* — use fewer streams/);
    assert.ok(events.some((e) => e.type === 'log' && /re-measuring after 0\.1 s/.test(e.line)));
  } finally {
    await s.close();
  }
});

test('before climbing, a level this client would drive past its busy limit is refused, not measured', async () => {
  const s = await server('fast');
  try {
    const { sink, events } = collect();
    // The hook keeps the worker busy ~25 ms in every ~50 (about half the time, under the 85% limit):
    // level 1 is driven faithfully, and 2 users would need about twice that.
    const out = await runSweep(opts(s.url, { testBlockLoopMs: 25, validity: { maxLagMs: 1000 }, timingOverrides: { minMs: 300, maxMs: 8000 } }), sink, createSessionClock(), new AbortController().signal);
    const { levels, breakingPoint: bp } = out.shapes[0];
    assert.equal(bp.status, 'client-limited');
    assert.equal(levels.filter((l) => l.concurrency === 2).length, 0, 'level 2 never measured');
    if (levels[0].valid) {
      // Level 1 driven faithfully at about half busy: 2 users projected past 85% — refused.
      assert.match(bp.why!, /^2 users would keep the load generator ~\d+% busy \(measured \d+% at 1 user, \d+ µs CPU per streamed token\) — over its 85% limit/);
      assert.ok(events.some((e) => e.type === 'log' && /not measuring 2 users/.test(e.line)));
    } else {
      // On a loaded machine the hook plus the work can pass 85% at 1 user already: then level 1 is the limit.
      assert.match(levels[0].clientLimit!, /load generator busy \d+% of the window/);
    }
  } finally {
    await s.close();
  }
});

test('the same fast server without the hook: levels pass on ≥ 59 samples, with the client\'s own cost recorded', async () => {
  const s = await server('fast');
  try {
    const { sink } = collect();
    // The machine is shared: lag must not decide this test (the hook test above is the lag test).
    const out = await runSweep(opts(s.url, { maxConcurrency: 2, validity: { maxLagMs: 1000 }, timingOverrides: { minMs: 300, maxMs: 8000 } }), sink, createSessionClock(), new AbortController().signal);
    const { levels, breakingPoint: bp } = out.shapes[0];
    for (const l of levels) {
      if (levelOutcome(l) !== 'pass') continue;
      assert.ok(l.ttft.n >= 59 && l.ttft.ci!.p95[1]! < 2000, JSON.stringify(l.ttft));
      assert.ok(l.client!.busyShare > 0 && l.client!.busyShare <= 1, JSON.stringify(l.client));
      assert.ok(l.client!.cpuUsPerToken! > 0);
    }
    assert.ok(levels.some((l) => levelOutcome(l) === 'pass'), JSON.stringify(levels.map((l) => [l.concurrency, l.outcomeWhy])));
    assert.notEqual(bp.status, 'no-answer');
  } finally {
    await s.close();
  }
});

test('a failing target (every request 500) is stopped on its error rate, not hammered for a whole level', async () => {
  const s = await server('fail');
  try {
    const { sink } = collect();
    const t0 = performance.now();
    const out = await runSweep(opts(s.url, { maxConcurrency: 4, timingOverrides: { minMs: 5000 } }), sink, createSessionClock(), new AbortController().signal);
    const { levels, breakingPoint: bp } = out.shapes[0];
    assert.deepEqual(levels.map((l) => l.concurrency), [1], JSON.stringify(levels.map((l) => [l.concurrency, l.outcomeWhy, l.stopReason, l.failed, l.completed])));
    assert.equal(levelOutcome(levels[0]), 'break');
    assert.match(levels[0].stopReason, /requests failed — failure rate clearly over 5%/);
    assert.ok(levels[0].failed < 50, `stopped after ${levels[0].failed} failures`);
    assert.ok(performance.now() - t0 < 4000, 'well before the 5 s minimum window');
    assert.equal(bp.rule, 'success');
    assert.equal(bp.status, 'found');
  } finally {
    await s.close();
  }
});
