import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PRICE_TABLE } from './cost.ts';
import { reduceAll } from './session-state.ts';
import { summarizeSession } from './session-summary.ts';
import { fixtureEvents } from '../sessions/fixtures.ts';
import { ITERATIONS_PER_MONTH, compareSessions, compareToMarkdown } from './compare.ts';

const MIN = 60_000;
const fast = summarizeSession(reduceAll(fixtureEvents({ id: 'a-fast', profile: 'fast', cachedModel: true, keepCache: true })), DEFAULT_PRICE_TABLE);
const typical = summarizeSession(
  reduceAll(fixtureEvents({ id: 'b-typical', profile: 'typical', ttftP95: [150, 180, 300, 700, 2500] })),
  DEFAULT_PRICE_TABLE,
);

test('configuration differences come first and name the lever', () => {
  const c = compareSessions([typical, fast]);
  const labels = c.differences.map((d) => d.label);
  assert.ok(labels.includes('Simulator profile'));
  assert.ok(labels.includes('Lever: cached model (kept PVC)'));
  assert.ok(labels.includes('Keep cache on cleanup'));
  assert.ok(!labels.includes('GPU shape'), 'same shape is not a difference');
  assert.deepEqual(c.differences.find((d) => d.label === 'Simulator profile')!.values, ['Typical', 'Fast']);
  assert.ok(c.same.some((s) => s.label === 'GPU shape' && s.value === 'VM.GPU.A10.1'));
});

test('phase and stage deltas against the baseline, with tiers', () => {
  const c = compareSessions([typical, fast]);
  const pull = c.phases.find((p) => p.id === 'imagePull')!;
  assert.equal(pull.values[0].ms, 6 * MIN);
  assert.equal(pull.values[1].ms, 1.8 * MIN);
  assert.ok(Math.abs(pull.deltasMs[1]! - -4.2 * MIN) < 1, String(pull.deltasMs[1]));
  assert.equal(pull.deltasMs[0], 0);
  const deploy = c.stages.find((s) => s.id === 'deploy')!;
  assert.equal(deploy.values[0].tier, 'typical');
  assert.equal(deploy.values[1].tier, 'fast');
  assert.equal(deploy.deltasMs[1], fast.stages.deploy.durationMs! - typical.stages.deploy.durationMs!);
  assert.ok(deploy.deltasMs[1]! < 0);
});

test('curves overlay per shape and metric; breaking points side by side', () => {
  const c = compareSessions([typical, fast]);
  const ttft = c.curves.find((x) => x.shape === 'support' && x.metric === 'ttftP95')!;
  assert.deepEqual(ttft.series.map((s) => s.key), ['A', 'B']);
  assert.deepEqual(ttft.series[0].points.map((p) => p.concurrency), [1, 2, 4, 8, 16]);
  assert.deepEqual(ttft.series[1].points.map((p) => p.concurrency), [1, 2, 4, 8, 16, 32]);
  assert.equal(ttft.series[0].points[4].value, 2500);
  const bp = c.breakingPoints.find((b) => b.shape === 'support')!;
  assert.equal(bp.values[0]!.lastPassing, 8);
  assert.equal(bp.values[1]!.lastPassing, 16);
  assert.equal(bp.deltas[1], 8);
});

test('cost per deployment and per iteration with deltas', () => {
  const c = compareSessions([typical, fast]);
  const [a, b] = c.cost.rows;
  assert.equal(a.deploymentUsd, typical.cost.totalUsd);
  assert.equal(b.deploymentUsd, fast.cost.totalUsd);
  assert.ok(b.deploymentUsd < a.deploymentUsd, 'the faster cycle costs less');
  assert.equal(c.cost.deploymentDeltas[1], b.deploymentUsd - a.deploymentUsd);
  assert.equal(a.iteration, 'cold');
  assert.equal(b.iteration, 'warm');
  assert.equal(a.iterationUsd, a.deploymentUsd, 'no kept cache: an iteration is a deployment');
  assert.equal(b.iterationUsd, b.deploymentUsd + 2.28 / ITERATIONS_PER_MONTH);
  assert.equal(c.cost.iterationDeltas[1], b.iterationUsd - a.iterationUsd);
  assert.equal(c.cost.samePriceTable, true);
});

test('markdown and JSON renderings', () => {
  const c = compareSessions([typical, fast]);
  const md = compareToMarkdown(c);
  assert.match(md, /### What changed/);
  assert.ok(md.indexOf('What changed') < md.indexOf('Stage times'), 'differences first');
  assert.match(md, /\| Image Pull \| 6m00s \(Typical\) \| 1m48s \(Fast\) \| −4m12s \|/);
  assert.match(md, /Per deployment/);
  assert.match(md, /support \| 8 users \(8 pass, 16 break by the ttft rule · ±8 · limited by queueing\) \| 16 users \(16 pass, 32 break .*\) \| \+8 users/);
  const json = JSON.parse(JSON.stringify(c));
  assert.equal(json.sessions.length, 2);
  assert.equal(json.phases.length, 6);
  assert.throws(() => compareSessions([fast]), /at least two/);
});
