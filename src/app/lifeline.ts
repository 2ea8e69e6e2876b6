// What a run does when the world around it goes away: Ctrl-C, SIGTERM (a supervisor, `kill`),
// SIGHUP (the terminal closed) and EPIPE/EIO on stdout (`nimble run --plain | head -2`). All take
// the path of the first Ctrl-C: stop the work, clean up what was created, save what can be saved,
// and say so on whatever channel is left. Only a second Ctrl-C (or SIGTERM) leaves at once.

export type StopCause = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'stdout';

/** Exit codes by cause: 128 + the signal's number (SIGPIPE's for a lost stdout), as shells expect. */
export const STOP_EXIT: Record<StopCause, number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129, stdout: 141 };

export interface Stopped {
  cause: StopCause;
  /** One line for the session (its end reason) and for stderr. */
  reason: string;
}

export interface LifelineOptions {
  /** First stop of any kind: abort the work (cleanup still runs). */
  onStop(s: Stopped): void;
  /** Second Ctrl-C / SIGTERM: leave now; the callback says what may still be running, then exits. */
  onLeave(cause: StopCause): void;
  proc?: NodeJS.Process;
}

export interface Lifeline {
  /** Why the run was stopped, if it was. */
  readonly stopped: Stopped | null;
  /** stdout failed (EPIPE/EIO): printers must stop writing to it and say things on stderr instead. */
  readonly stdoutLost: boolean;
  /** Writes to stderr; never throws, and stays quiet once stderr is gone too. */
  say(line: string): void;
  /** Writes to stdout while it lasts; the first failure stops the run (once). */
  out(s: string): void;
  dispose(): void;
}

const LOST = new Set(['EPIPE', 'EIO', 'ERR_STREAM_DESTROYED', 'ECONNRESET', 'ENOTCONN']);

let active = 0;
/** main's fallback (a lost stdout ends a plain command quietly) steps aside while a run handles it. */
export function lifelineActive(): boolean {
  return active > 0;
}

export function installLifeline(opts: LifelineOptions): Lifeline {
  const proc = opts.proc ?? process;
  let stopped: Stopped | null = null;
  let stdoutLost = false;
  let stderrLost = false;
  let interrupts = 0;
  let disposed = false;

  const say = (line: string) => {
    if (stderrLost) return;
    try {
      proc.stderr.write(line.endsWith('\n') ? line : line + '\n');
    } catch {
      stderrLost = true;
    }
  };
  const stop = (cause: StopCause, reason: string) => {
    if (stopped) return;
    stopped = { cause, reason };
    say(`\nnimble: ${reason}: stopping — cleaning up what was created${cause === 'SIGINT' || cause === 'SIGTERM' ? ' (Ctrl-C again to leave without cleanup)' : ''}`);
    opts.onStop(stopped);
  };
  const onSignal = (sig: StopCause) => () => {
    // A hang-up may come more than once (and the terminal is gone): it never means "leave now".
    if (sig !== 'SIGHUP') interrupts++;
    if (interrupts >= 2) return opts.onLeave(sig);
    stop(sig, sig === 'SIGINT' ? 'stopped by the user (Ctrl-C)' : sig === 'SIGTERM' ? 'terminated (SIGTERM)' : 'the terminal hung up (SIGHUP)');
  };
  const onStdoutError = (err: NodeJS.ErrnoException) => {
    if (stdoutLost) return;
    stdoutLost = true;
    stop('stdout', `standard output closed (${err.code ?? err.message})`);
  };
  const onStderrError = () => {
    stderrLost = true;
  };
  const handlers = { SIGINT: onSignal('SIGINT'), SIGTERM: onSignal('SIGTERM'), SIGHUP: onSignal('SIGHUP') };
  for (const [sig, fn] of Object.entries(handlers)) proc.on(sig as NodeJS.Signals, fn);
  proc.stdout.on('error', onStdoutError);
  proc.stderr.on('error', onStderrError);
  active++;

  return {
    get stopped() {
      return stopped;
    },
    get stdoutLost() {
      return stdoutLost;
    },
    say,
    out(s) {
      if (stdoutLost) return;
      try {
        proc.stdout.write(s);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        if (!e.code || LOST.has(e.code)) onStdoutError(e);
        else throw err;
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      active--;
      for (const [sig, fn] of Object.entries(handlers)) proc.off(sig as NodeJS.Signals, fn);
      // Late write errors (the last summary lines) must not turn into an unhandled 'error'.
      proc.stdout.off('error', onStdoutError);
      proc.stdout.on('error', () => {});
      proc.stderr.off('error', onStderrError);
      proc.stderr.on('error', () => {});
    },
  };
}
