// nimble-test: io — starts a local server or process: not a unit test (npm run test:unit leaves it out).
// The coordinator against scripted loaders (TCP servers speaking the protocol): the split it sends,
// the merged progress and result, and a loader dying mid-level.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { RemoteLoadEngine } from './coordinator.ts';
import { encodeSamples, lineReader, PROTOCOL_VERSION, send, toUs, type ToLoader } from './wire.ts';
import { summarize } from '../../core/stats.ts';
import type { LevelMeasurement } from '../../core/sweep.ts';
import type { LevelConfig, WorkerProgress } from '../protocol.ts';

interface Fake {
  server: Server;
  port: number;
  levels: LevelConfig[];
  socket: Socket | null;
}

/** A loader that answers a level with one progress report and, on stop, a measurement of `ttft`. */
async function fakeLoader(index: number, ttft: number[], o: { dieOnLevel?: boolean } = {}): Promise<Fake> {
  const f: Fake = { server: createServer(), port: 0, levels: [], socket: null };
  f.server.on('connection', (s) => {
    f.socket = s;
    send(s, { t: 'hello', version: PROTOCOL_VERSION, index, pid: 1, cpus: 1, node: 'v20' });
    s.on('data', lineReader((raw) => {
      const m = raw as ToLoader;
      if (m.t === 'init') send(s, { t: 'ready' });
      else if (m.t === 'level') {
        f.levels.push(m.cfg);
        const p: WorkerProgress = { id: m.cfg.id, phase: 'measuring', inFlight: m.cfg.concurrency, maxInFlight: m.cfg.concurrency, completed: ttft.length, failed: 0, ttftP95: null, ttft: { n: 0, low: 0, high: 0, max: 0 }, elapsedMs: 2000, measuringMs: 1000, windowStartEpochMs: 0, lagP99Ms: 1, samples: { set: 'window', from: 0, ttft: toUs(ttft), overSla: [] } };
        send(s, { t: 'progress', p });
        if (o.dieOnLevel) setTimeout(() => s.destroy(), 50);
      } else if (m.t === 'stop') {
        const lm: LevelMeasurement = { shape: 'support', concurrency: f.levels.at(-1)!.concurrency, measured: true, windowMs: 1000, completed: ttft.length, failed: 0, errorsByClass: {}, ttft: summarize(ttft), tpot: summarize([]), itl: summarize([]), e2el: summarize(ttft), allDoneMeanMs: 10, outputTokens: 10 * ttft.length, promptTokens: 0, goodCount: ttft.length, tokenSource: 'usage', maxInFlight: f.levels.at(-1)!.concurrency, meanInFlight: f.levels.at(-1)!.concurrency, lagP99Ms: 1, lagMaxMs: 2, stopReason: m.reason, requestedOutputTokens: 10, requestedPromptTokens: 5, notes: [] };
        send(s, { t: 'measured', id: m.id, m: lm, samples: encodeSamples({ ttft, tpot: [], e2el: ttft, itl: [] }) });
      }
    }, () => {}));
    s.on('error', () => {});
  });
  await new Promise<void>((r) => f.server.listen(0, '127.0.0.1', () => r()));
  f.port = (f.server.address() as { port: number }).port;
  return f;
}

const cfg = (concurrency: number): Omit<LevelConfig, 'id'> => ({ shape: 'support', concurrency, model: 'm', promptTokens: 5, outputTokens: 10, stream: true, requestTimeoutMs: 1000, stallTimeoutMs: 1000, ttftSlaMs: 2000, goodput: { ttftMs: 2000, tpotMs: 100, e2elMs: null }, confidence: 0.95, forceLength: true, collectGaps: true });
const init = { baseUrl: 'http://127.0.0.1:1', maxConnections: 8, progressMs: 20 };

test('a level is split over the loaders, progress merged, the result merged over the union of samples', async () => {
  const fakes = [await fakeLoader(0, [10, 20, 30]), await fakeLoader(1, [40, 50]), await fakeLoader(2, [60])];
  const engine = await RemoteLoadEngine.open(fakes.map((f, i) => ({ name: `fake ${i}`, host: '127.0.0.1', port: f.port })), init, () => {});
  try {
    const seen: WorkerProgress[] = [];
    const run = engine.runLevel(cfg(7), (p) => {
      seen.push(p);
      if (p.phase === 'measuring' && p.ttft.n === 6) run.stop('enough');
    });
    const { m } = await run.result;
    assert.deepEqual(fakes.map((f) => [f.levels[0].concurrency, f.levels[0].userOffset]), [[3, 0], [2, 3], [2, 5]]);
    assert.ok(fakes.every((f) => f.levels[0].exportSamples));
    assert.equal(m.concurrency, 7);
    assert.equal(m.maxInFlight, 7);
    assert.equal(m.completed, 6);
    assert.deepEqual(m.ttft, summarize([10, 20, 30, 40, 50, 60]));
    assert.equal(m.stopReason, 'enough');
    assert.ok(seen.at(-1)!.windowStartEpochMs !== null);
    assert.equal(engine.lost, null);
  } finally {
    await engine.terminate();
    for (const f of fakes) f.server.close();
  }
});

test('a loader dying mid-level: the level ends with the others, marked, and the engine is lost', async () => {
  const fakes = [await fakeLoader(0, [10, 20]), await fakeLoader(1, [30], { dieOnLevel: true })];
  const logs: string[] = [];
  const engine = await RemoteLoadEngine.open(fakes.map((f, i) => ({ name: `fake ${i}`, host: '127.0.0.1', port: f.port })), init, (_l, line) => logs.push(line));
  try {
    const run = engine.runLevel(cfg(4), () => {});
    const { m } = await run.result;
    assert.equal(m.maxInFlight, 2, 'only the survivor’s users');
    assert.equal(m.completed, 2);
    assert.ok(m.notes.some((n) => /fake 1 was lost mid-level: its 2 users are missing/.test(n)), m.notes.join('; '));
    assert.match(m.stopReason, /fake 1 lost/);
    assert.match(engine.lost ?? '', /fake 1 was lost/);
    assert.throws(() => engine.runLevel(cfg(2), () => {}), /cannot run a level/);
    assert.ok(logs.some((l) => /was lost/.test(l)));
  } finally {
    await engine.terminate();
    for (const f of fakes) f.server.close();
  }
});
