import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTier, phaseBudgetMs, phaseTier, stageTier } from './tiers.ts';

const MIN = 60_000;
test('stage tiers follow seed 000 targets', () => {
  assert.equal(stageTier('deploy', 7 * MIN), 'ultra');
  assert.equal(stageTier('deploy', 8 * MIN), 'ultra');
  assert.equal(stageTier('deploy', 8 * MIN + 1), 'fast');
  assert.equal(stageTier('deploy', 25 * MIN), 'typical');
  assert.equal(stageTier('deploy', 49 * MIN), 'over');
  assert.equal(stageTier('total', 17 * MIN), 'fast');
});

test('a "—" budget falls back to the next slower tier; a 0 budget allows a scheduler round-trip', () => {
  assert.equal(phaseBudgetMs('healthCheck', 'typical'), 1 * MIN);
  assert.equal(phaseTier('gpuNode', 5_000), 'ultra');
  assert.equal(phaseTier('gpuNode', 45_000), 'typical');
  assert.equal(phaseTier('imagePull', 16 * MIN), 'over');
});

test('tier names parse loosely', () => {
  assert.equal(parseTier('Ultra-Fast'), 'ultra');
  assert.equal(parseTier('FAST'), 'fast');
  assert.equal(parseTier('quick'), undefined);
});
