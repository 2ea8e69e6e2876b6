import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oneLine, sanitizeText } from './sanitize.ts';

test('escape sequences and control characters are removed; tab, newline and text kept', () => {
  assert.equal(sanitizeText('\u001b]0;pwned\u0007\u001b[31mred\u001b[0m\u0000model'), 'redmodel');
  assert.equal(sanitizeText('a\tb\nc\r\u0008d'), 'a\tb\ncd');
  assert.equal(sanitizeText('\u009b31mC1 CSI\u009d8;;http://x\u009c link'), 'C1 CSI link');
  assert.equal(sanitizeText('\u001bP1$r\u001b\\dcs gone \u001bc reset'), 'dcs gone  reset');
  assert.equal(sanitizeText('\u001b(Bcharset'), 'charset');
  assert.equal(sanitizeText('ünïcödé ✓ 模型'), 'ünïcödé ✓ 模型');
});

test('oneLine collapses whitespace and bounds the length', () => {
  assert.equal(oneLine('  a\n\n b\t c  ', 10), 'a b c');
  assert.equal(oneLine('x'.repeat(300), 200).length, 200);
  assert.ok(oneLine('x'.repeat(300), 200).endsWith('…'));
});
