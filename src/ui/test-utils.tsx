// renderWithProviders: render a view inside the same providers the app uses, from a SessionState
// (or an event list reduced through the real reducer), at a fixed terminal size.

import React, { type ReactElement } from 'react';
import { render } from 'ink-testing-library';
import type { PriceTable } from '../core/cost.ts';
import type { NimbleEvent } from '../core/events.ts';
import { reduceAll, type SessionState } from '../core/session-state.ts';
import type { TerminalSize } from './hooks.ts';
import { Providers } from './providers.tsx';
import { createLiveStore, type LiveStore } from './store.ts';
import { loadTheme, type Theme } from './theme.ts';
import { stringWidth } from './format.ts';

export interface RenderOptions {
  state?: SessionState;
  /** Reduced with reduceAll when no state is given. */
  events?: NimbleEvent[];
  theme?: Theme;
  /** Session-clock now for running durations (default: the latest event's time). */
  now?: number;
  size?: TerminalSize;
  savedTo?: string;
  priceTable?: PriceTable;
  store?: LiveStore;
}

export function renderWithProviders(ui: ReactElement, opts: RenderOptions = {}) {
  const state = opts.state ?? (opts.events ? reduceAll(opts.events) : undefined);
  const store = opts.store ?? createLiveStore({ initial: state, flushHz: 0 });
  const theme = opts.theme ?? loadTheme('dark', {});
  const env = {
    now: opts.now ?? null,
    size: opts.size ?? { columns: 100, rows: 30 },
    savedTo: opts.savedTo,
    ...(opts.priceTable ? { priceTable: opts.priceTable } : {}),
  };
  const result = render(
    <Providers store={store} theme={theme} env={env}>
      {ui}
    </Providers>,
  );
  return { ...result, store, frame: () => result.lastFrame() ?? '' };
}

/** Let Ink flush pending renders (effects, store updates, input). */
export const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

/** Widest line of a frame in terminal columns. */
export function frameWidth(frame: string): number {
  return Math.max(0, ...frame.split('\n').map((l) => stringWidth(l)));
}
