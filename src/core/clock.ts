// The session clock. Deploy and cleanup on the simulator run on virtual time (played faster by
// --time-scale) so the timeline, tier verdicts and cost show simulated minutes; the sweep runs in
// real time. One clock with a settable rate covers both: t = base + (real − realBase) × rate.

export interface SessionClock {
  /** Session time in ms since the session started (virtual where the rate is not 1). */
  now(): number;
  /** Real ms since the session started (what replay paces by). */
  wall(): number;
  /** Sleep for `ms` of session time. Rejects with an AbortError when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Session-time ms per real ms from now on (1 = real time). */
  setRate(rate: number): void;
  readonly rate: number;
}

export function createSessionClock(realNow: () => number = () => performance.now()): SessionClock {
  const start = realNow();
  let base = 0; // session time at the last rate change
  let realBase = start;
  let rate = 1;
  const now = () => base + (realNow() - realBase) * rate;
  return {
    now,
    wall: () => realNow() - start,
    get rate() {
      return rate;
    },
    setRate(r: number) {
      if (!(r > 0)) throw new Error(`clock rate must be > 0, got ${r}`);
      base = now();
      realBase = realNow();
      rate = r;
    },
    sleep(ms: number, signal?: AbortSignal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(abortError(signal));
        const timer = setTimeout(done, Math.max(0, ms / rate));
        function done() {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }
        function onAbort() {
          clearTimeout(timer);
          reject(abortError(signal!));
        }
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
  };
}

export function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error) return reason;
  const e = new Error(typeof reason === 'string' ? reason : 'aborted');
  e.name = 'AbortError';
  return e;
}
