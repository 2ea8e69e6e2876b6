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
import { type Theme } from './theme.ts';
import { loadTheme } from '../app/themes.ts';
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

/** Let Ink flush pending renders (effects, store updates, input). Prefer waitForFrame. */
export const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until `ok(frame)` holds — the next frame that satisfies it, not a fixed sleep — and returns
 * that frame. Fails after `timeoutMs` with the last frame in the message, so a loaded machine only
 * makes a test slower, never wrong.
 */
export async function waitForFrame(frame: () => string | undefined, ok: (f: string) => boolean, timeoutMs = 3000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const f = frame() ?? '';
    if (ok(f)) return f;
    if (Date.now() > end) throw new Error(`no frame satisfied the condition within ${timeoutMs} ms; last frame:\n${f}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until `ok()` holds (a callback was called, a store changed). */
export async function waitFor(ok: () => boolean, timeoutMs = 3000, what = 'the condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`${what} did not hold within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Widest line of a frame in terminal columns. */
export function frameWidth(frame: string): number {
  return Math.max(0, ...frame.split('\n').map((l) => stringWidth(l)));
}
