// The replay player: the recorded session shown by the same <App> as the live run, with a status
// strip (playing or paused, speed, position) and the replay keys from the keymap (replayKeymap):
// space play/pause, . step, ←/→ seek, x speed, q quits (or goes back to the browser) at once.
// It is a route of the one Ink app (launch.tsx); it never calls render() itself.

import React, { useEffect, useMemo, useReducer } from 'react';
import { Box, Text } from 'ink';
import { DEFAULT_PRICE_TABLE, type PriceTable } from '../../core/cost.ts';
import type { NimbleEvent } from '../../core/events.ts';
import { reduceAll } from '../../core/session-state.ts';
import { App } from '../App.tsx';
import { replayKeymap, type KeyAction } from '../keymap.ts';
import { renderFinalFrame } from '../render.tsx';
import { createLiveStore, LiveStoreProvider, useSession } from '../store.ts';
import type { Theme } from '../theme.ts';
import { createReplay, type ReplayController, type ReplaySpeed } from './replay-controller.ts';

export function replayFinalFrame(events: NimbleEvent[], theme: Theme, priceTable: PriceTable = DEFAULT_PRICE_TABLE, width = 100): string {
  return renderFinalFrame(reduceAll(events), theme, width, { priceTable });
}

const NEXT_SPEED: Record<string, ReplaySpeed> = { '1': 10, '10': 100, '100': 'step', step: 1 };

/** What a replay key does to the controller. */
export function applyReplayKey(c: ReplayController, a: KeyAction): void {
  const jump = Math.max(1, Math.round(c.length / 20));
  if (a.type === 'play-pause') (c.playing ? c.pause() : c.play());
  else if (a.type === 'step') c.step();
  else if (a.type === 'speed') c.setSpeed(NEXT_SPEED[String(c.speed)]);
  else if (a.type === 'seek') c.seek(a.by === 'start' ? 0 : a.by === 'end' ? c.length : c.position + (a.by === 'forward' ? jump : -jump));
}

/** One line: where the replay is. The keys are in the key bar and `?`. */
function PlayerStatus({ c }: { c: ReplayController }) {
  const [, bump] = useReducer((x: number) => x + 1, 0);
  useEffect(() => c.onChange(bump), [c]);
  const pct = c.length ? Math.round((c.position / c.length) * 100) : 100;
  return (
    <Box>
      <Text inverse> REPLAY </Text>
      <Text wrap="truncate-end">
        {' '}
        {c.playing ? '▶ playing' : '❚❚ paused'} · {c.speed === 'step' ? 'step' : `${c.speed}×`} · event {c.position}/{c.length} ({pct}%)
      </Text>
    </Box>
  );
}

/** The session clock during replay is the replayed session's latest event time. */
function ReplayApp({ c, id, back, onQuit }: { c: ReplayController; id: string; back: boolean; onQuit: () => void }) {
  const t = useSession((s) => s.t);
  const keymap = useMemo(() => replayKeymap(back), [back]);
  const replay = useMemo(() => ({ id, onKey: (a: KeyAction) => applyReplayKey(c, a), bar: <PlayerStatus c={c} /> }), [c, id]);
  return <App now={() => t} onQuit={onQuit} clockHz={0} keymap={keymap} replay={replay} />;
}

export interface ReplayScreenProps {
  id: string;
  events: NimbleEvent[];
  speed: ReplaySpeed;
  /** q goes back to the browser (true) or quits (false): the key's help says which. */
  back?: boolean;
  onExit: () => void;
}

/** A route: its own store fed by its own controller, disposed when the route is left. */
export function ReplayScreen({ id, events, speed, back = false, onExit }: ReplayScreenProps) {
  // A fresh store for each recording: the old one holds the previous replay's state.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const store = useMemo(() => createLiveStore({ flushHz: 0 }), [events]);
  const c = useMemo(() => createReplay(events, store, speed), [events, store, speed]);
  useEffect(() => {
    if (speed === 'step') c.step();
    else c.play();
    return () => c.dispose();
  }, [c, speed]);
  return (
    <LiveStoreProvider store={store}>
      <ReplayApp c={c} id={id} back={back} onQuit={onExit} />
    </LiveStoreProvider>
  );
}
