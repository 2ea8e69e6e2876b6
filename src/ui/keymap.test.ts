import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activeBindings, helpSections, KEYMAP, resolveKey } from './keymap.ts';

const base = { view: 'timeline' as const, help: false, confirming: false };

test('number keys 1..6 switch to the six views in order', () => {
  const views = ['1', '2', '3', '4', '5', '6'].map((k) => resolveKey(k, false, base));
  assert.deepEqual(views, ['timeline', 'smoke', 'sweep', 'cleanup', 'summary', 'logs'].map((view) => ({ type: 'view', view })));
});

test('t cycles the metric only in the sweep view', () => {
  assert.equal(resolveKey('t', false, base), null);
  assert.deepEqual(resolveKey('t', false, { ...base, view: 'sweep' }), { type: 'cycle-metric' });
});

test('the quit question captures the keyboard: only y, n and Esc', () => {
  const ctx = { ...base, confirming: true };
  assert.deepEqual(resolveKey('y', false, ctx), { type: 'confirm-yes' });
  assert.deepEqual(resolveKey('n', false, ctx), { type: 'confirm-no' });
  assert.deepEqual(resolveKey('', true, ctx), { type: 'confirm-no' });
  assert.equal(resolveKey('1', false, ctx), null);
  assert.equal(resolveKey('q', false, ctx), null);
  assert.deepEqual(activeBindings(ctx).map((b) => b.key), ['y', 'n', 'escape']);
});

test('help sections list every binding exactly once', () => {
  const listed = helpSections().flatMap((s) => s.bindings);
  assert.equal(listed.length, KEYMAP.length);
  assert.deepEqual(helpSections().map((s) => s.title), ['Everywhere', 'Sweep view', 'In this help', 'When asked to quit']);
});
