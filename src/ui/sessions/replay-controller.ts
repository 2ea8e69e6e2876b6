// Replay: recorded events fed into the same store the live run used, paced by their `wall` times
// (real ms since start) divided by the speed, or one at a time. Seeking rebuilds the state by
// reducing the events up to the target, so any position shows exactly what was seen then.

import type { NimbleEvent } from '../../core/events.ts';
import { reduceAll } from '../../core/session-state.ts';
import type { LiveStore } from '../store.ts';

export type ReplaySpeed = 1 | 10 | 100 | 'step';

/** The longest pause replay honours between two events (idle stretches are compressed). */
export const MAX_GAP_MS = 2000;

export interface ReplayController {
  readonly position: number;
  readonly length: number;
  readonly playing: boolean;
  readonly speed: ReplaySpeed;
  play(): void;
  pause(): void;
  /** Apply the next event (pauses first). */
  step(): void;
  /** Show the state after the first `n` events. */
  seek(n: number): void;
  setSpeed(s: ReplaySpeed): void;
  dispose(): void;
  /** Called after every change; returns the unsubscribe. */
  onChange(fn: () => void): () => void;
}

export function createReplay(events: NimbleEvent[], store: LiveStore, speed: ReplaySpeed = 10): ReplayController {
  let pos = 0;
  let playing = false;
  let sp = speed;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const listeners: (() => void)[] = [];
  const changed = () => listeners.forEach((f) => f());
  const stopTimer = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  const applyNext = () => {
    if (pos >= events.length) return;
    store.getState().push(events[pos++]);
    store.getState().flush();
  };
  const schedule = () => {
    stopTimer();
    if (!playing || sp === 'step') return;
    if (pos >= events.length) {
      playing = false;
      return changed();
    }
    const prev = pos === 0 ? events[0].wall : events[pos - 1].wall;
    const gap = Math.min(MAX_GAP_MS, Math.max(0, events[pos].wall - prev)) / sp;
    timer = setTimeout(() => {
      applyNext();
      // Events that share a moment go out together.
      while (pos < events.length && events[pos].wall === events[pos - 1].wall) applyNext();
      changed();
      schedule();
    }, gap);
  };
  const c: ReplayController = {
    get position() {
      return pos;
    },
    get length() {
      return events.length;
    },
    get playing() {
      return playing;
    },
    get speed() {
      return sp;
    },
    play() {
      if (sp === 'step') sp = 10;
      playing = true;
      schedule();
      changed();
    },
    pause() {
      playing = false;
      stopTimer();
      changed();
    },
    step() {
      playing = false;
      stopTimer();
      applyNext();
      changed();
    },
    seek(n) {
      pos = Math.max(0, Math.min(events.length, Math.round(n)));
      store.getState().flush();
      store.setState({ session: reduceAll(events.slice(0, pos)) });
      schedule();
      changed();
    },
    setSpeed(s) {
      sp = s;
      if (s === 'step') playing = false;
      schedule();
      changed();
    },
    dispose() {
      playing = false;
      stopTimer();
    },
    onChange(fn) {
      listeners.push(fn);
      return () => {
        const i = listeners.indexOf(fn);
        if (i >= 0) listeners.splice(i, 1);
      };
    },
  };
  return c;
}
