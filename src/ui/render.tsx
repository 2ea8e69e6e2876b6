// Entry points: renderLive mounts the interactive app on the terminal; renderFinalFrame renders
// the summary once to a string (replay tests compare it with the live run's last screen).

import React from 'react';
import { render, renderToString } from 'ink';
import { DEFAULT_PRICE_TABLE, type PriceTable } from '../core/cost.ts';
import type { SessionState } from '../core/session-state.ts';
import { App } from './App.tsx';
import { SummaryView } from './components/SummaryView.tsx';
import { PatternView } from './components/pattern/PatternView.tsx';
import { Providers } from './providers.tsx';
import { createLiveStore, useLiveStore, type LiveStore } from './store.ts';
import type { Theme } from './theme.ts';
import { useStore } from 'zustand';

export interface RenderLiveOptions {
  store: LiveStore;
  theme: Theme;
  now: () => number;
  onQuit: () => void;
  /** Read on each render, so the path appears once the session file is written. */
  savedTo?: () => string | undefined;
  priceTable?: PriceTable;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  maxFps?: number;
}

export interface LiveHandle {
  unmount(): void;
  waitUntilExit(): Promise<unknown>;
  /** Render again now (e.g. after savedTo changed, which is not in the store). */
  rerender(): void;
}

export function renderLive(opts: RenderLiveOptions): LiveHandle {
  const tree = () => (
    <Providers store={opts.store} theme={opts.theme} env={{ priceTable: opts.priceTable ?? DEFAULT_PRICE_TABLE }}>
      <LiveApp now={opts.now} onQuit={opts.onQuit} savedTo={opts.savedTo} />
    </Providers>
  );
  const instance = render(tree(), {
    stdout: opts.stdout,
    stdin: opts.stdin,
    maxFps: opts.maxFps ?? 10,
    // The caller owns SIGINT so cleanup can run before exit; Ink must not exit on its own.
    exitOnCtrlC: false,
    patchConsole: false,
  });
  return {
    unmount: () => instance.unmount(),
    waitUntilExit: () => instance.waitUntilExit(),
    rerender: () => instance.rerender(tree()),
  };
}

/** Re-reads savedTo whenever the store changes (a render is happening anyway). */
function LiveApp({ now, onQuit, savedTo }: { now: () => number; onQuit: () => void; savedTo?: () => string | undefined }) {
  useStore(useLiveStore(), (s) => s.session);
  return <App now={now} onQuit={onQuit} savedTo={savedTo?.()} />;
}

export interface FinalFrameOptions {
  savedTo?: string;
  priceTable?: PriceTable;
  rows?: number;
}

/** The summary view of `state`, rendered once to a string (`width` columns, default 100). */
export function renderFinalFrame(state: SessionState, theme: Theme, width = 100, opts: FinalFrameOptions = {}): string {
  const store = createLiveStore({ initial: state, flushHz: 0 });
  const rows = opts.rows ?? 200;
  return renderToString(
    <Providers store={store} theme={theme} env={{ size: { columns: width, rows }, savedTo: opts.savedTo, priceTable: opts.priceTable ?? DEFAULT_PRICE_TABLE }}>
      {state.pattern && state.meta?.flags.command === 'load' ? <PatternView pattern={state.pattern} metric="ttft" width={width} height={36} /> : <SummaryView width={width} />}
    </Providers>,
    { columns: width },
  );
}
