// The live store (zustand; not the sessions file store in src/sessions/store.ts): services push events, the store reduces them through the same pure reducer
// replay uses. Events are queued and applied in batches (~8 Hz by default) so a sweep emitting
// hundreds of events a second re-renders React a few times a second, not once per event.

import { createContext, createElement, useContext, type ReactNode } from 'react';
import { createStore, useStore, type StoreApi } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { NimbleEvent } from '../core/events.ts';
import { initialSessionState, reduceEvent, type SessionState } from '../core/session-state.ts';

export interface LiveStoreState {
  session: SessionState;
  /** Queue one event; it reaches `session` on the next flush. */
  push(e: NimbleEvent): void;
  pushMany(es: Iterable<NimbleEvent>): void;
  /** Apply every queued event now (tests, end of session). */
  flush(): void;
  /** Flush what is queued and stop the timer; later pushes apply synchronously. */
  dispose(): void;
}

export type LiveStore = StoreApi<LiveStoreState>;

export interface LiveStoreOptions {
  initial?: SessionState;
  /** Batches per second; 0 or less applies every push synchronously. Default 8. */
  flushHz?: number;
}

export function createLiveStore(opts: LiveStoreOptions = {}): LiveStore {
  const hz = opts.flushHz ?? 8;
  let queue: NimbleEvent[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  let disposed = false;

  return createStore<LiveStoreState>()((set, get) => {
    const flush = () => {
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      if (queue.length === 0) return;
      const batch = queue;
      queue = [];
      let s = get().session;
      for (const e of batch) s = reduceEvent(s, e);
      set({ session: s });
    };
    const schedule = () => {
      if (disposed || hz <= 0) return flush();
      // A one-shot timer per batch (not a perpetual interval) so an idle store keeps nothing alive.
      if (!timer) timer = setTimeout(flush, 1000 / hz);
    };
    return {
      session: opts.initial ?? initialSessionState(),
      push(e) {
        queue.push(e);
        schedule();
      },
      pushMany(es) {
        for (const e of es) queue.push(e);
        schedule();
      },
      flush,
      dispose() {
        flush();
        disposed = true;
      },
    };
  });
}

const StoreContext = createContext<LiveStore | null>(null);

export function LiveStoreProvider({ store, children }: { store: LiveStore; children?: ReactNode }) {
  return createElement(StoreContext.Provider, { value: store }, children);
}

export function useLiveStore(): LiveStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useSession* needs a <LiveStoreProvider> above it');
  return store;
}

/** Select from the session state. The selector must return a stable value (a field, a number). */
export function useSession<T>(selector: (s: SessionState) => T): T {
  return useStore(useLiveStore(), (st) => selector(st.session));
}

/** Like useSession, for selectors that build a new object/array: compared shallowly. */
export function useSessionShallow<T>(selector: (s: SessionState) => T): T {
  return useStore(useLiveStore(), useShallow((st: LiveStoreState) => selector(st.session)));
}
