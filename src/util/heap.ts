// Periodic full garbage collection for long runs. V8 lets each thread's old generation fill to
// what survived plus ~8 MB before it collects, and keeps the pages it grew into: over a soak that
// reads as a climbing resident set although the live data is flat. A full collection once a minute
// keeps RSS where the live data is (README: "Memory" under load patterns; the soak-rss bench). bin/nimble.js turns on
// --expose-gc before any worker starts (the same switch jest-leak-detector uses): worker threads
// then have globalThis.gc, and the main thread takes it from a fresh context.
import { runInNewContext } from 'node:vm';

type Gc = () => void;

/** How often a long run collects fully, in each thread. */
export const GC_EVERY_MS = 60_000;

function exposedGc(): Gc | null {
  const g = (globalThis as { gc?: unknown }).gc;
  if (typeof g === 'function') return g as Gc;
  try {
    const f: unknown = runInNewContext('gc');
    return typeof f === 'function' ? (f as Gc) : null;
  } catch {
    return null; // not exposed (`node --no-expose-gc bin/nimble.js`, tests importing modules directly)
  }
}

export interface PeriodicGc {
  stop(): void;
  /** Longest collection so far, ms (the pause it put on this thread). */
  readonly maxPauseMs: number;
  readonly count: number;
}

/** A full collection of this thread's heap every `everyMs`; null when gc is not exposed. */
export function startPeriodicGc(everyMs: number, now: () => number = () => performance.now()): PeriodicGc | null {
  const gc = exposedGc();
  if (!gc) return null;
  let maxPauseMs = 0;
  let count = 0;
  const timer = setInterval(() => {
    const t = now();
    gc();
    maxPauseMs = Math.max(maxPauseMs, now() - t);
    count++;
  }, everyMs);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    get maxPauseMs() {
      return maxPauseMs;
    },
    get count() {
      return count;
    },
  };
}
