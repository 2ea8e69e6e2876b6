// Hooks that bridge the outside (session clock, terminal size, session file path, price table)
// to views, so the views themselves stay pure renderers of SessionState.

import { createContext, createElement, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { useStdout } from 'ink';
import { DEFAULT_PRICE_TABLE, type PriceTable } from '../core/cost.ts';
import { useSession } from './store.ts';

export interface TerminalSize {
  columns: number;
  rows: number;
}

export const DEFAULT_SIZE: TerminalSize = { columns: 100, rows: 30 };

export interface UiEnv {
  /** Session-clock now (ms) for running durations; null = the latest event's time. */
  now: number | null;
  /** Fixed size (tests, renderFinalFrame); null = follow the terminal. */
  size: TerminalSize | null;
  savedTo?: string;
  /** Set while replaying a saved session: its id (the header says so; nothing is billing or unsaved). */
  replayOf?: string;
  priceTable: PriceTable;
}

const UiEnvContext = createContext<UiEnv>({ now: null, size: null, priceTable: DEFAULT_PRICE_TABLE });

export function UiEnvProvider({ value, children }: { value: UiEnv; children?: ReactNode }) {
  return createElement(UiEnvContext.Provider, { value }, children);
}

export function useUiEnv(): UiEnv {
  return useContext(UiEnvContext);
}

/** Session time to show: the live clock while running, frozen at the last event once ended. */
export function useNowMs(): number {
  const { now } = useUiEnv();
  const t = useSession((s) => s.t);
  const running = useSession((s) => s.status === 'running');
  if (now === null || !running) return t;
  return Math.max(t, now);
}

/** Terminal size, following resizes; a fixed size from the env wins. */
export function useTerminalSize(): TerminalSize {
  const { size } = useUiEnv();
  const { stdout } = useStdout();
  const read = useCallback((): TerminalSize => ({
    columns: stdout?.columns || DEFAULT_SIZE.columns,
    rows: stdout?.rows || DEFAULT_SIZE.rows,
  }), [stdout]);
  const [live, setLive] = useState(read);
  useEffect(() => {
    if (size || !stdout || typeof stdout.on !== 'function') return;
    const onResize = () => setLive(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [size, stdout, read]);
  return size ?? live;
}

/**
 * Ticks `now()` at `hz` while `active`, so running durations and the elapsed clock move between
 * events. Returns null when inactive (views then show the last event's time).
 */
export function useTicker(now: () => number, hz: number, active: boolean): number | null {
  // The function is kept in a ref: callers may pass a new arrow each render without restarting
  // the interval (or looping on the initial setValue).
  const fn = useRef(now);
  fn.current = now;
  const [value, setValue] = useState<number | null>(() => (active ? now() : null));
  useEffect(() => {
    if (!active) {
      setValue(null);
      return;
    }
    setValue(fn.current());
    const id = setInterval(() => setValue(fn.current()), 1000 / hz);
    return () => clearInterval(id);
  }, [hz, active]);
  return value;
}
