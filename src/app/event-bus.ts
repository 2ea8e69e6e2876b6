// One flow of typed events: services emit bodies, the bus stamps them (seq, session time, wall
// time), keeps the reduced state, and hands each event to every subscriber (session writer, UI
// store, plain/JSON printers).

import type { SessionClock } from '../core/clock.ts';
import type { EventBody, NimbleEvent } from '../core/events.ts';
import { initialSessionState, reduceEvent, type SessionState } from '../core/session-state.ts';

export interface EventBus {
  emit(body: EventBody): NimbleEvent;
  subscribe(fn: (e: NimbleEvent) => void): () => void;
  readonly state: SessionState;
  readonly clock: SessionClock;
}

export function createEventBus(clock: SessionClock): EventBus {
  let seq = 0;
  let state = initialSessionState();
  const subscribers = new Set<(e: NimbleEvent) => void>();
  return {
    clock,
    get state() {
      return state;
    },
    emit(body) {
      const e = { ...body, seq: seq++, t: Math.round(clock.now()), wall: Math.round(clock.wall()) } as NimbleEvent;
      state = reduceEvent(state, e);
      for (const fn of subscribers) {
        try {
          fn(e);
        } catch (err) {
          // A failing subscriber (say, a full disk under the session writer) must not stop the
          // cycle — least of all its cleanup. Report it on stderr once per kind of failure.
          reportSubscriberError(err);
        }
      }
      return e;
    },
    subscribe(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
  };
}

const reported = new Set<string>();
function reportSubscriberError(err: unknown) {
  const msg = err instanceof Error ? err.message : String(err);
  if (reported.has(msg)) return;
  reported.add(msg);
  process.stderr.write(`nimble: an event subscriber failed: ${msg}\n`);
}
