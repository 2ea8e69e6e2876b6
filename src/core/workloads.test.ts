import { test } from 'node:test';
import assert from 'node:assert/strict';
import { levelPrompts, requestPrompt, tokensLine, validPrefixCacheHit } from './workloads.ts';
import type { LevelResult } from './sweep-types.ts';

const commonPrefixWords = (a: string, b: string) => {
  const x = a.split(' ');
  const y = b.split(' ');
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return i;
};

test('every prompt starts with the session salt, and no two share more than it', () => {
  const a = levelPrompts(256, { salt: 'a1b2c3', prefixCacheHit: 0 }, 1);
  const p1 = requestPrompt(a, 1, 0, 0);
  const p2 = requestPrompt(a, 1, 1, 1);
  assert.ok(p1.startsWith('a1b2c3:'));
  assert.notEqual(p1, p2);
  assert.equal(commonPrefixWords(p1, p2), 0, 'the first word already differs (salt + request marker)');
  // Another session, same level, user and request number: a different first word.
  const b = levelPrompts(256, { salt: 'ffee99', prefixCacheHit: 0 }, 1);
  assert.notEqual(requestPrompt(b, 1, 0, 0).split(' ')[0], p1.split(' ')[0]);
  assert.ok(Math.abs(p1.split(' ').length - 256) <= 4, `about 256 words: ${p1.split(' ').length}`);
});

test('--prefix-cache-hit shares that share of the prompt within a session, nothing across sessions', () => {
  const a = levelPrompts(200, { salt: 's1', prefixCacheHit: 0.5 }, 3);
  const p1 = requestPrompt(a, 3, 0, 0);
  const p2 = requestPrompt(a, 3, 1, 7);
  const shared = commonPrefixWords(p1, p2);
  assert.ok(shared >= 95 && shared <= 105, `about half of 200 words shared: ${shared}`);
  const other = requestPrompt(levelPrompts(200, { salt: 's2', prefixCacheHit: 0.5 }, 3), 3, 0, 0);
  assert.equal(commonPrefixWords(p1, other), 0);
  assert.ok(validPrefixCacheHit(0) && validPrefixCacheHit(0.9));
  assert.ok(!validPrefixCacheHit(1) && !validPrefixCacheHit(-0.1) && !validPrefixCacheHit(NaN));
});

test('tokensLine: requested vs actual, and where the count came from', () => {
  const l = { completed: 10, meanPromptTokens: 261, meanOutputTokens: 128, tokenSource: 'usage' as const, requested: { promptTokens: 256, outputTokens: 128 }, promptTokenSource: 'usage' as const, retried: 3 } as LevelResult;
  assert.equal(tokensLine([l]), "prompt 256 requested / 261 by the server's count · output 128 requested / 128 (server usage) · 3 sent again after a reset before any byte");
  assert.equal(tokensLine([{ ...l, completed: 0 }]), null);
  assert.match(tokensLine([{ ...l, promptTokenSource: 'requested', retried: 0 }])!, /^prompt 256 requested \/ 261 not reported by the server · /);
});
