import { test } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { LogsView } from './LogsView.tsx';
import { renderWithProviders } from '../test-utils.tsx';
import { EventLog, SIM_META } from '../fixtures.ts';

test('shows the last lines that fit, newest at the bottom', () => {
  const log = new EventLog().add(0, { type: 'session.started', meta: SIM_META });
  for (let i = 1; i <= 40; i++) log.add(i * 1000, { type: 'log', source: 'nim', level: i === 40 ? 'warn' : 'info', line: `line number ${i}` });
  const r = renderWithProviders(<LogsView height={10} />, { events: log.events });
  const f = r.frame();
  assert.match(f, /last 9 of 40 lines/);
  assert.match(f, /00:40 nim\s+line number 40/);
  assert.match(f, /line number 32/);
  assert.doesNotMatch(f, /line number 31\b/);
  r.unmount();
});
