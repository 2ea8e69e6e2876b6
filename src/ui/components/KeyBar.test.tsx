import { test } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { KeyBar } from './KeyBar.tsx';
import { HelpOverlay } from './HelpOverlay.tsx';
import { renderWithProviders } from '../test-utils.tsx';
import { KEYMAP } from '../keymap.ts';

test('key bar lists the views, t only on the sweep, and the quit question keys when asking', () => {
  const a = renderWithProviders(<KeyBar width={100} view="timeline" help={false} confirming={false} />);
  assert.match(a.frame(), /1 Timeline\s+2 Smoke\s+3 Sweep\s+4 Cleanup\s+5 Summary\s+6 Logs\s+\? help\s+q quit/);
  assert.doesNotMatch(a.frame(), /metric/);
  a.unmount();
  const b = renderWithProviders(<KeyBar width={100} view="sweep" help={false} confirming={false} following={false} />);
  assert.match(b.frame(), /f follow/);
  assert.match(b.frame(), /t metric/);
  b.unmount();
  const c = renderWithProviders(<KeyBar width={100} view="sweep" help={false} confirming />);
  assert.match(c.frame(), /y yes, clean up and quit\s+n no/);
  assert.doesNotMatch(c.frame(), /Timeline/);
  c.unmount();
});

test('narrow key bar keeps only the current view name', () => {
  const r = renderWithProviders(<KeyBar width={60} view="sweep" help={false} confirming={false} />);
  const f = r.frame();
  assert.match(f, /1\s+2\s+3 Sweep\s+4\s+5\s+6/);
  assert.match(f, /q quit/);
  r.unmount();
});

test('help is generated from the keymap: every description appears', () => {
  const r = renderWithProviders(<HelpOverlay width={100} />);
  const f = r.frame();
  for (const b of KEYMAP) assert.ok(f.includes(b.description), b.description);
  r.unmount();
});
