import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureLevel } from '../sessions/fixtures.ts';
import { unfinishedSweepText } from './result-text.ts';

test('a sweep stopped before its breaking point says what its levels measured, not "not measured"', () => {
  const pass = (c: number) => fixtureLevel('support', c, 300, 100);
  const brk = (c: number) => fixtureLevel('support', c, 2600, 100);
  assert.equal(unfinishedSweepText([], 'support'), 'not measured');
  assert.equal(unfinishedSweepText([pass(1), pass(2)], 'summary'), 'not measured');
  assert.equal(unfinishedSweepText([pass(1), pass(2)], 'support'), '≥ 2 users so far (2 levels measured; stopped before a break)');
  assert.equal(unfinishedSweepText([pass(1), pass(2), brk(4)], 'support'), '2–4 users so far (3 levels measured; stopped before the bracket was narrowed)');
  assert.equal(unfinishedSweepText([brk(1)], 'support'), 'under 1 user so far (1 level measured, no valid pass; stopped early)');
  const undecided = { ...pass(1), outcome: 'inconclusive' as const };
  assert.equal(unfinishedSweepText([undecided], 'support'), 'no answer yet (1 level measured, none decided; stopped early)');
});
