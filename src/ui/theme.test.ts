import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MONOCHROME, parseTheme, ROLE_NAMES } from './theme.ts';
import { availableThemes, loadTheme } from '../app/themes.ts';

test('dark, light and high-contrast load with every semantic role', () => {
  assert.deepEqual(availableThemes(), ['dark', 'high-contrast', 'light']);
  for (const name of ['dark', 'light', 'high-contrast']) {
    const t = loadTheme(name, {});
    assert.equal(t.name, name);
    assert.equal(t.color, true);
    for (const r of ROLE_NAMES) assert.ok(t.roles[r], `${name}.${r}`);
    assert.equal(t.chart.length, 4);
    assert.ok(t.grades.degraded && t.tiers.fast && t.tiers.over);
  }
});

test('an unknown theme names the available ones', () => {
  assert.throws(() => loadTheme('solarized', {}), /Unknown theme "solarized"\. Available themes: dark, high-contrast, light, monochrome/);
});

test('NO_COLOR gives the monochrome theme whatever was asked; empty NO_COLOR does not', () => {
  assert.equal(loadTheme('light', { NO_COLOR: '1' }), MONOCHROME);
  assert.equal(loadTheme('dark', { NO_COLOR: '' }).name, 'dark');
  const m = loadTheme('dark', { NO_COLOR: 'yes' });
  assert.equal(m.color, false);
  assert.ok(Object.values(m.roles).every((c) => c === undefined));
  assert.ok(m.chart.every((c) => c === undefined));
});

test('a theme file missing a role is refused with the role named', () => {
  assert.throws(() => parseTheme({ roles: { text: 'white' }, chart: ['a', 'b', 'c', 'd'], grades: {}, tiers: {} }, 'x.json'), /roles\.danger must be a colour string/);
});
