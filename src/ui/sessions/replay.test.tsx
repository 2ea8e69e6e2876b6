import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PRICE_TABLE } from '../../core/cost.ts';
import type { SessionMeta } from '../../core/events.ts';
import { summarizeSession } from '../../core/session-summary.ts';
import { fixtureEvents } from '../../sessions/fixtures.ts';
import { openSessionWriter, readSession } from '../../sessions/store.ts';
import { renderFinalFrame } from '../render.tsx';
import { createLiveStore } from '../store.ts';
import { MONOCHROME } from '../theme.ts';
import { createReplay } from './replay-controller.ts';

test('replay of a recorded session renders the same final screen as the live run', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimble-replay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const events = fixtureEvents({ profile: 'fast' });
  // Live: events pushed into the store as they happen, and into the session writer.
  const live = createLiveStore({ flushHz: 0 });
  const w = openSessionWriter(dir, (events[0] as { meta: SessionMeta }).meta, { env: {} });
  for (const e of events) {
    live.getState().push(e);
    w.append(e);
  }
  w.finish(summarizeSession(live.getState().session, DEFAULT_PRICE_TABLE));
  const liveFrame = renderFinalFrame(live.getState().session, MONOCHROME, 100);

  // Replay: read back from disk, played at 100× through the same store.
  const s = readSession(dir, w.id);
  const store = createLiveStore({ flushHz: 0 });
  const c = createReplay(s.events, store, 100);
  await new Promise<void>((resolve) => {
    c.onChange(() => c.position === c.length && !c.playing && resolve());
    c.play();
  });
  const replayFrame = renderFinalFrame(store.getState().session, MONOCHROME, 100);
  assert.equal(replayFrame, liveFrame);
  assert.match(replayFrame, /Fast/);
});

test('seek and step show the state at that point', () => {
  const events = fixtureEvents({ profile: 'typical' });
  const store = createLiveStore({ flushHz: 0 });
  const c = createReplay(events, store, 'step');
  const firstLevel = events.findIndex((e) => e.type === 'level.finished');
  c.seek(firstLevel);
  assert.equal(store.getState().session.sweep.levels.length, 0);
  c.step();
  assert.equal(store.getState().session.sweep.levels.length, 1);
  assert.equal(c.position, firstLevel + 1);
  c.seek(0);
  assert.equal(store.getState().session.meta, null);
  c.seek(events.length);
  assert.equal(store.getState().session.status, 'completed');
  c.dispose();
});
