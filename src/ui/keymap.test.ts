import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activeBindings, BROWSER_KEYMAP, compareKeymap, DEPLOY_KEYMAP, helpSections, KEYMAP, keyId, replayKeymap, resolveKey } from './keymap.ts';

const base = { view: 'timeline' as const, help: false, confirming: false };

test('number keys 1..6 switch to the six views in order', () => {
  const views = ['1', '2', '3', '4', '5', '6'].map((k) => resolveKey(k, base));
  assert.deepEqual(views, ['timeline', 'smoke', 'sweep', 'cleanup', 'summary', 'logs'].map((view) => ({ type: 'view', view })));
});

test('t cycles the metric only in the sweep view', () => {
  assert.equal(resolveKey('t', base), null);
  assert.deepEqual(resolveKey('t', { ...base, view: 'sweep' }), { type: 'cycle-metric' });
  // A load run's summary is its chart over time: the sweep's keys are added there.
  assert.deepEqual(resolveKey('t', { ...base, view: 'summary', also: ['sweep'] }), { type: 'cycle-metric' });
});

test('the quit question captures the keyboard: only y, n and Esc', () => {
  const ctx = { ...base, confirming: true };
  assert.deepEqual(resolveKey('y', ctx), { type: 'confirm-yes' });
  assert.deepEqual(resolveKey('n', ctx), { type: 'confirm-no' });
  assert.deepEqual(resolveKey('escape', ctx), { type: 'confirm-no' });
  assert.equal(resolveKey('1', ctx), null);
  assert.equal(resolveKey('q', ctx), null);
  assert.deepEqual(activeBindings(ctx).map((b) => [b.key, ...(b.alt ?? [])]), [['y'], ['n', 'escape']]);
});

test('help sections list every binding exactly once', () => {
  const listed = helpSections().flatMap((s) => s.bindings);
  assert.equal(listed.length, KEYMAP.length);
  assert.deepEqual(helpSections().map((s) => s.title), ['Everywhere', 'Sweep view', 'In this help', 'When asked to quit']);
});

test('keyId names Ink key presses the way the keymap does', () => {
  assert.equal(keyId(' ', {}), 'space');
  assert.equal(keyId('', { leftArrow: true }), 'left');
  assert.equal(keyId('\r', { return: true }), 'return');
  assert.equal(keyId('\t', { tab: true }), 'tab');
  assert.equal(keyId('', { escape: true }), 'escape');
  assert.equal(keyId('x', {}), 'x');
});

test('replay: player keys everywhere, q never asks, no quit question in its help', () => {
  const km = replayKeymap();
  assert.deepEqual(resolveKey('space', base, km), { type: 'play-pause' });
  assert.deepEqual(resolveKey('.', base, km), { type: 'step' });
  assert.deepEqual(resolveKey('right', { ...base, view: 'summary' }, km), { type: 'seek', by: 'forward' });
  assert.deepEqual(resolveKey('x', base, km), { type: 'speed' });
  assert.deepEqual(resolveKey('q', base, km), { type: 'quit' });
  const text = helpSections(km).flatMap((s) => s.bindings.map((b) => b.description)).join('\n');
  assert.doesNotMatch(text, /clean up and quit/);
  assert.match(replayKeymap(true).bindings.find((b) => b.key === 'q')!.description, /Back to the sessions/);
});

test('browser: vi keys as alternatives; the filter and the delete question capture the keyboard', () => {
  assert.deepEqual(resolveKey('j', base, BROWSER_KEYMAP), { type: 'cursor', by: 1 });
  assert.deepEqual(resolveKey('down', base, BROWSER_KEYMAP), { type: 'cursor', by: 1 });
  assert.equal(resolveKey('q', { ...base, typing: true }, BROWSER_KEYMAP), null, 'q is text while filtering');
  assert.deepEqual(resolveKey('escape', { ...base, typing: true }, BROWSER_KEYMAP), { type: 'filter-done' });
  assert.deepEqual(resolveKey('y', { ...base, confirming: true }, BROWSER_KEYMAP), { type: 'confirm-yes' });
  assert.equal(resolveKey('d', { ...base, confirming: true }, BROWSER_KEYMAP), null);
});

test('compare and the deploy question: their own groups', () => {
  assert.deepEqual(resolveKey('tab', base, compareKeymap()), { type: 'page' });
  assert.deepEqual(resolveKey('s', base, compareKeymap()), { type: 'cycle-shape' });
  const asked = { help: false, confirming: true };
  assert.deepEqual(resolveKey('y', asked, DEPLOY_KEYMAP), { type: 'confirm-yes' });
  for (const k of ['n', 'q', 'escape']) assert.deepEqual(resolveKey(k, asked, DEPLOY_KEYMAP), { type: 'confirm-no' }, k);
  assert.equal(resolveKey('1', asked, DEPLOY_KEYMAP), null);
});
