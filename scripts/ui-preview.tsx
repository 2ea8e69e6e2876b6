// Prints every view of the TUI, rendered from hand-written event logs (src/ui/fixtures.ts),
// at 100×30 and 80×24. Usage: node --import tsx scripts/ui-preview.tsx [--size 80x24] [--theme dark]
// [--view sweep]. Set FORCE_COLOR=0 (or NO_COLOR=1) for plain text.

import React from 'react';
import { render } from 'ink-testing-library';
import { App } from '../src/ui/App.tsx';
import { Providers } from '../src/ui/providers.tsx';
import { createLiveStore } from '../src/ui/store.ts';
import { loadTheme } from '../src/app/themes.ts';
import { eventsBefore, eventsUntil, failedDeployEvents, sampleEvents } from '../src/ui/fixtures.ts';
import type { NimbleEvent } from '../src/core/events.ts';

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const sizes = arg('size') ? [arg('size')!] : ['100x30', '80x24'];
const theme = loadTheme(arg('theme') ?? 'dark');
const only = arg('view');

const all = sampleEvents();
const sweepStart = all.find((e) => e.type === 'stage.started' && e.stage === 'sweep')!.t;
const midSweep = eventsBefore(all, (e) => e.type === 'level.finished' && e.level.shape === 'coding' && e.level.concurrency === 16);
const scenes: { name: string; view: string; events: NimbleEvent[]; now: number }[] = [
  { name: 'deploy, NIM starting', view: '1', events: eventsUntil(all, 300_000), now: 320_000 },
  { name: 'failed deploy (cluster)', view: '1', events: failedDeployEvents(), now: 60_000 },
  { name: 'smoke done', view: '2', events: eventsUntil(all, 414_600), now: 414_600 },
  { name: 'sweep, coding × 16 measuring', view: '3', events: midSweep, now: midSweep[midSweep.length - 1].t },
  { name: 'sweep finished', view: '3', events: eventsUntil(all, sweepStart + 22 * 12_000), now: 0 },
  { name: 'cleanup', view: '4', events: all, now: 0 },
  { name: 'summary', view: '5', events: all, now: 0 },
  { name: 'logs', view: '6', events: all, now: 0 },
];

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));
for (const size of sizes) {
  const [columns, rows] = size.split('x').map(Number);
  for (const scene of scenes) {
    if (only && !scene.name.includes(only)) continue;
    const store = createLiveStore({ flushHz: 0 });
    store.getState().pushMany(scene.events);
    const r = render(
      <Providers store={store} theme={theme} env={{ size: { columns, rows } }}>
        <App now={() => scene.now} onQuit={() => {}} savedTo="sessions/2026-01-15T10-00-00-sim-a10.json" />
      </Providers>,
    );
    await tick(50);
    r.stdin.write(scene.view);
    await tick(150);
    const frame = r.lastFrame() ?? '';
    console.log(`\n=== ${scene.name} · ${size} (${frame.split('\n').length} rows) ${'='.repeat(Math.max(0, columns - scene.name.length - size.length - 20))}`);
    console.log(frame);
    r.unmount();
  }
}
