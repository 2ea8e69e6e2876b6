// The replay player: the recorded session shown by the same <App> as the live run, with a strip of
// player controls (space play/pause, . step, ←/→ seek, x speed, q back).

import React, { useEffect, useReducer } from 'react';
import { Box, render, Text, useInput, useStdin } from 'ink';
import { DEFAULT_PRICE_TABLE, type PriceTable } from '../../core/cost.ts';
import type { NimbleEvent } from '../../core/events.ts';
import { reduceAll } from '../../core/session-state.ts';
import { App } from '../App.tsx';
import { Providers } from '../providers.tsx';
import { renderFinalFrame } from '../render.tsx';
import { createLiveStore, useSession } from '../store.ts';
import { loadTheme } from '../theme.ts';
import { createReplay, type ReplayController, type ReplaySpeed } from './replay-controller.ts';

export function replayFinalFrame(events: NimbleEvent[], env: NodeJS.ProcessEnv, priceTable: PriceTable = DEFAULT_PRICE_TABLE, width = 100): string {
  return renderFinalFrame(reduceAll(events), loadTheme(env.NIMBLE_THEME || undefined, env), width, { priceTable });
}

function PlayerBar({ c }: { c: ReplayController }) {
  const [, bump] = useReducer((x: number) => x + 1, 0);
  useEffect(() => c.onChange(bump), [c]);
  const { isRawModeSupported } = useStdin();
  useInput(
    (input, key) => {
      if (input === ' ') (c.playing ? c.pause() : c.play());
      else if (input === '.') c.step();
      else if (key.rightArrow) c.seek(c.position + Math.max(1, Math.round(c.length / 20)));
      else if (key.leftArrow) c.seek(c.position - Math.max(1, Math.round(c.length / 20)));
      else if (input === '0') c.seek(0);
      else if (input === '$') c.seek(c.length);
      // Number keys switch the App's views, so speed has its own key: x cycles 1× → 10× → 100× → step.
      else if (input === 'x') c.setSpeed(c.speed === 1 ? 10 : c.speed === 10 ? 100 : c.speed === 100 ? 'step' : 1);
    },
    { isActive: isRawModeSupported },
  );
  const pct = c.length ? Math.round((c.position / c.length) * 100) : 100;
  return (
    <Box>
      <Text inverse> REPLAY </Text>
      <Text>
        {' '}
        {c.playing ? '▶' : '❚❚'} {c.speed === 'step' ? 'step' : `${c.speed}×`} · event {c.position}/{c.length} ({pct}%) · space play/pause · . step · ←/→ seek · x speed · q back
      </Text>
    </Box>
  );
}

/** The session clock during replay is the replayed session's latest event time. */
function ReplayApp({ c, onQuit }: { c: ReplayController; onQuit: () => void }) {
  const t = useSession((s) => s.t);
  return (
    <Box flexDirection="column">
      <PlayerBar c={c} />
      <App now={() => t} onQuit={onQuit} clockHz={0} />
    </Box>
  );
}

export async function replayInTerminal(o: { events: NimbleEvent[]; speed: ReplaySpeed; priceTable: PriceTable; env: NodeJS.ProcessEnv }): Promise<number> {
  const store = createLiveStore({ flushHz: 0 });
  const c = createReplay(o.events, store, o.speed);
  const theme = loadTheme(o.env.NIMBLE_THEME || undefined, o.env);
  let inst: ReturnType<typeof render> | null = null;
  const quit = () => {
    c.dispose();
    inst?.unmount();
  };
  inst = render(
    <Providers store={store} theme={theme} env={{ priceTable: o.priceTable }}>
      <ReplayApp c={c} onQuit={quit} />
    </Providers>,
    { exitOnCtrlC: true, patchConsole: false },
  );
  if (o.speed === 'step') c.step();
  else c.play();
  await inst.waitUntilExit();
  return 0;
}
