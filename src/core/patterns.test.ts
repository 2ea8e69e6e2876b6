import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAt, parsePattern, parsePatternFile, patternDurationMs, PatternError, peakLoad, phaseIndexAt } from './patterns.ts';
import { windowEdges, WindowAggregator } from './pattern-windows.ts';

test('spike from flags: before / spike / after, after defaults to hold', () => {
  const p = parsePattern({ pattern: 'spike', base: '8', peak: '64', hold: '60s', spike: '30s' });
  assert.deepEqual(
    p.phases.map((x) => [x.name, x.startMs, x.durationMs, x.load]),
    [['before', 0, 60_000, 8], ['spike', 60_000, 30_000, 64], ['after', 90_000, 60_000, 8]],
  );
  assert.equal(p.mode, 'closed');
  assert.equal(patternDurationMs(p), 150_000);
  assert.equal(loadAt(p, 59_999), 8);
  assert.equal(loadAt(p, 60_000), 64);
  assert.equal(phaseIndexAt(p, 200_000), 2);
  assert.equal(peakLoad(p), 64);
});

test('step, stress and soak build their phases; open loop takes rates', () => {
  const step = parsePattern({ pattern: 'step', start: '4', step: '4', steps: '3', hold: '10s', window: '2s' });
  assert.deepEqual(step.phases.map((x) => x.load), [4, 8, 12]);
  const stress = parsePattern({ pattern: 'stress', start: '2', step: '2', max: '9', hold: '5s', window: '1s' });
  assert.deepEqual(stress.phases.map((x) => x.load), [2, 4, 6, 8]);
  const soak = parsePattern({ pattern: 'soak', 'open-loop': true, rate: '2.5', duration: '1m', window: '10s' });
  assert.equal(soak.mode, 'open');
  assert.equal(soak.phases[0].load, 2.5);
  assert.equal(soak.rampMs, 10_000, 'soak users join over one window');
});

test('bad patterns are clear errors', () => {
  assert.throws(() => parsePattern({ pattern: 'wave' }), /--pattern must be one of/);
  assert.throws(() => parsePattern({ pattern: 'spike', base: '10', peak: '5' }), /--peak \(5\) must be above --base/);
  assert.throws(() => parsePattern({ pattern: 'spike', hold: 'soon' }), /--hold must be a duration/);
  assert.throws(() => parsePattern({ pattern: 'step', 'open-loop': true }), /applies to spike and soak/);
  assert.throws(() => parsePattern({ pattern: 'soak', duration: '10s', window: '5s' }), /at most a third/);
  assert.throws(() => parsePattern({ pattern: 'soak', users: '2.5' }), /whole number/);
  assert.throws(() => parsePattern({ pattern: 'soak', colour: 'red' }), PatternError);
});

test('pattern file: same keys, camelCase accepted, flags override', () => {
  const p = parsePatternFile('{"pattern":"spike","base":2,"peak":16,"hold":"20s","spike":10,"openLoop":false,"window":"2s"}', { peak: '32' });
  assert.equal(p.phases[1].load, 32);
  assert.equal(p.phases[1].durationMs, 10_000);
  assert.throws(() => parsePatternFile('[1]'), /one JSON object/);
  assert.throws(() => parsePatternFile('{'), /not JSON/);
});

test('windows restart at phase boundaries; samples land by first-token and end time', () => {
  const spec = parsePattern({ pattern: 'spike', base: '1', peak: '2', hold: '2.5s', spike: '1s', after: '2s', window: '1s' });
  const edges = windowEdges(spec);
  assert.deepEqual(edges.map((e) => [e.phase, e.startMs, e.endMs]), [
    ['before', 0, 1000], ['before', 1000, 2000], ['before', 2000, 2500],
    ['spike', 2500, 3500],
    ['after', 3500, 4500], ['after', 4500, 5500],
  ]);
  const agg = new WindowAggregator(spec);
  agg.firstToken(100, 50);
  agg.firstToken(900, 70);
  agg.end({ t: 1200, ok: true, errorClass: null, tpot: 10, e2el: 300, outputTokens: 5 });
  agg.end({ t: 2600, ok: false, errorClass: 'http_500', tpot: null, e2el: 5, outputTokens: 0 });
  agg.server({ t: 2700, running: 2, waiting: 1, kv: 0.5 });
  assert.deepEqual(agg.close(999), []);
  const [w0, w1, w2, w3] = agg.close(3500);
  assert.equal(w0.ttft.n, 2);
  assert.equal(w0.ttft.max, 70);
  assert.equal(w0.completed, 0);
  assert.equal(w1.completed, 1);
  assert.equal(w1.outputTokPerS, 5);
  assert.equal(w2.endMs - w2.startMs, 500);
  assert.deepEqual(w3.errors, { http_500: 1 });
  assert.equal(w3.server.queuedSamples, 1);
  assert.equal(w3.server.kvMax, 0.5);
  const phases = Object.fromEntries([...agg.phases].map(([k, v]) => [k, v]));
  assert.equal(phases.spike.failed, 1);
  assert.equal(agg.all.ttftSeen, 2);
});

test('the reservoir keeps memory fixed and the percentiles close', () => {
  const spec = parsePattern({ pattern: 'soak', users: '1', duration: '1h', window: '10s' });
  const agg = new WindowAggregator(spec, 1000);
  for (let i = 0; i < 100_000; i++) agg.firstToken(i * 30, i % 1000);
  assert.equal(agg.all.ttft.length, 1000);
  assert.equal(agg.all.ttftSeen, 100_000);
  const sorted = [...agg.all.ttft].sort((a, b) => a - b);
  assert.ok(Math.abs(sorted[950] - 950) < 40, `p95 of a uniform 0..999 from the reservoir: ${sorted[950]}`);
});
