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
  /**
   * Session time stands still until `work` settles. For real work that is not part of what is
   * simulated (the simulator starting its NIM process): at ×1000 a second of it would otherwise
   * show as 16 simulated minutes. Sleeps due meanwhile wait for the hold to end.
   */
  hold<T>(work: Promise<T>): Promise<T>;
  readonly rate: number;
}

export function createSessionClock(realNow: () => number = () => performance.now()): SessionClock {
  const start = realNow();
  let base = 0; // session time at the last rebase
  let realBase = start;
  let rate = 1;
  // Wake-up times of pending sleeps. Session time never runs past the earliest one until it has
  // fired, and a timer that fires late does not carry its lateness into session time: a simulated
  // phase of 4m00s is recorded as 4m00s however busy the machine was while it played.
  const wakes = new Set<number>();
  let holds = 0;
  let heldAt = 0;
  const parked = new Set<() => void>(); // sleeps that came due during a hold
  const raw = () => (holds ? heldAt : base + (realNow() - realBase) * rate);
  const now = () => {
    let t = raw();
    for (const w of wakes) if (w < t) t = w;
    return t;
  };
  const rebase = (t: number) => {
    base = t;
    realBase = realNow();
  };
  return {
    now,
    wall: () => realNow() - start,
    get rate() {
      return rate;
    },
    setRate(r: number) {
      if (!(r > 0)) throw new Error(`clock rate must be > 0, got ${r}`);
      rebase(now());
      rate = r;
    },
    hold<T>(work: Promise<T>): Promise<T> {
      if (holds === 0) heldAt = now();
      holds++;
      return work.finally(() => {
        if (--holds) return;
        rebase(heldAt);
        const due = [...parked];
        parked.clear();
        for (const d of due) d();
      });
    },
    sleep(ms: number, signal?: AbortSignal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(abortError(signal));
        const wake = now() + Math.max(0, ms);
        wakes.add(wake);
        let timer = setTimeout(due, Math.max(0, ms / rate));
        function due() {
          if (holds) return void parked.add(due);
          // Time stood still during a hold: the rest of the sleep is still to come.
          const left = wake - raw();
          if (left > 0.5) return void (timer = setTimeout(due, left / rate));
          signal?.removeEventListener('abort', onAbort);
          wakes.delete(wake);
          if (raw() > wake) rebase(wake); // late: drop the lateness
          resolve();
        }
        function onAbort() {
          clearTimeout(timer);
          parked.delete(due);
          wakes.delete(wake);
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

/**
 * A discrete-event clock for tests: time stands still while code runs, and whenever every pending
 * piece of work is waiting on `sleep`, it jumps to the earliest wake-up. Simulated timelines then
 * come out exactly the same on a loaded machine as on an idle one.
 */
export function createVirtualClock(): SessionClock {
  let t = 0;
  let seq = 0;
  const timers: { at: number; seq: number; resolve: () => void }[] = [];
  let pumping = false;
  const pump = () => {
    if (pumping) return;
    pumping = true;
    // setTimeout(0) runs after pending I/O callbacks and microtasks: work that can still run, runs.
    setTimeout(() => {
      pumping = false;
      if (!timers.length) return;
      timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = timers.shift()!;
      t = Math.max(t, next.at);
      next.resolve();
      if (timers.length) pump();
    }, 0);
  };
  return {
    now: () => t,
    wall: () => t,
    rate: 1,
    setRate() {},
    // Virtual time only moves when everything waits on sleep; held work is simply awaited.
    hold: (work) => work,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(abortError(signal));
        const timer = { at: t + Math.max(0, ms), seq: seq++, resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        } };
        function onAbort() {
          const i = timers.indexOf(timer);
          if (i >= 0) timers.splice(i, 1);
          reject(abortError(signal!));
        }
        signal?.addEventListener('abort', onAbort, { once: true });
        timers.push(timer);
        pump();
      });
    },
  };
}
