// The session a run or sweep writes: bus, session writer, output and Ctrl-C handling, opened before
// the work and finished after it (saves the summary, prints the end, gives the exit code).

import { createSessionClock } from '../core/clock.ts';
import type { SessionMeta } from '../core/events.ts';
import type { PriceTable } from '../core/cost.ts';
import { summarizeSession } from '../core/session-summary.ts';
import { sweepAnswer } from '../core/result-text.ts';
import type { SessionState } from '../core/session-state.ts';
import { openSessionWriter, resolveSessionsDir, type SessionWriter } from '../sessions/store.ts';
import { loadConfig } from './config.ts';
import { createEventBus, type EventBus } from './event-bus.ts';
import type { LoadService } from './cycle.ts';
import { loadTheme } from './themes.ts';
import { attachOutput, chooseOutputMode, type Output, type OutputMode } from './output.ts';
import { installLifeline, STOP_EXIT, type Lifeline } from './lifeline.ts';

export async function loadPriceTable(): Promise<{ table: PriceTable; dailyBudgetUsd?: number; sessionsDir?: string }> {
  const c = loadConfig(process.env);
  return { table: c.priceTable, dailyBudgetUsd: c.dailyBudgetUsd, sessionsDir: c.sessionsDir };
}

export async function loadLoadService(): Promise<LoadService> {
  const { runPattern } = await import('../load/pattern-runner.ts');
  return { ...(await import('../load/sweep-runner.ts')), runPattern };
}

export interface Session {
  mode: OutputMode;
  bus: EventBus;
  writer: SessionWriter;
  output: Output;
  abort: AbortController;
  lifeline: Lifeline;
  dispose(): void;
}

/** Sets up bus, session writer, output and Ctrl-C handling shared by `run` and `sweep`. */
export async function openSession(
  meta: SessionMeta,
  flags: { json?: boolean; plain?: boolean; theme?: string; sessionsDir?: string; configSessionsDir?: string },
  priceTable: PriceTable,
  secrets: string[],
): Promise<Session> {
  // A wrong --theme fails before anything is created, in every output mode (plain ignores it).
  if (flags.theme) loadTheme(flags.theme, {});
  const clock = createSessionClock();
  const bus = createEventBus(clock);
  const dir = resolveSessionsDir({ flag: flags.sessionsDir, configDir: flags.configSessionsDir });
  const abort = new AbortController();
  let output: Output | undefined;
  let writer: SessionWriter | undefined;
  // Ctrl-C, SIGTERM, SIGHUP and a lost stdout stop the work and let cleanup run; a second Ctrl-C
  // leaves at once, saying what may still be running.
  const lifeline = installLifeline({
    onStop: (s) => abort.abort(s.reason),
    onLeave: (cause) => {
      const running = Object.values(bus.state.resources).filter((r) => r.stoppedAt === undefined);
      output?.close();
      writer?.close();
      if (running.length) {
        lifeline.say(
          `nimble: left before cleanup finished. Still running and costing money: ${running.map((r) => r.resource.label).join(', ')}.\n` +
            `Run \`nimble status\` to see them and \`nimble cleanup\` to remove them.`,
        );
      }
      process.exit(STOP_EXIT[cause]);
    },
  });
  try {
    writer = openSessionWriter(dir, meta, {
      secrets,
      onError: (err) => lifeline.say(`nimble: could not write the session log (${err.message}); the run and its cleanup go on`),
    });
  } catch (err) {
    lifeline.dispose();
    throw new Error(`cannot save a session in ${dir} (${(err as Error).message}); nothing was started`);
  }
  const w = writer;
  bus.subscribe((e) => w.append(e));
  const mode = chooseOutputMode(flags);
  try {
    output = await attachOutput({
      mode,
      bus,
      priceTable,
      theme: flags.theme,
      onQuit: () => abort.abort('stopped by the user'),
      write: lifeline.out,
      unattended: () => lifeline.stopped !== null && lifeline.stopped.cause !== 'SIGINT',
    });
  } catch (err) {
    w.discardIfEmpty(); // nothing ran: leave no empty session behind
    lifeline.dispose();
    throw err;
  }
  return { mode, bus, writer: w, output, abort, lifeline, dispose: () => lifeline.dispose() };
}

/**
 * Saves the summary, prints the end, and returns the exit code: the status's, the stopping
 * signal's (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP, 141 lost stdout), or 1 when a completed run
 * could not be saved. What was not saved is the last line on stderr.
 */
export async function finishSession(s: Session, priceTable: PriceTable): Promise<number> {
  if (s.bus.state.meta) s.writer.finish(summarizeSession(s.bus.state, priceTable));
  else s.writer.close();
  const unsaved = s.writer.unsaved();
  await s.output.finish(unsaved.length ? undefined : s.writer.path);
  const status = s.bus.state.status;
  const stopped = s.lifeline.stopped;
  if (s.lifeline.stdoutLost) {
    // The summary went nowhere: the end goes to stderr (and the session file has it all).
    s.lifeline.say(`nimble: session ${s.writer.id} ${status}${s.bus.state.endReason ? `: ${s.bus.state.endReason}` : ''}; cleanup ${cleanupWord(s.bus)}${unsaved.length ? '' : `; saved to ${s.writer.path}`}`);
  } else if (s.mode === 'json' && status !== 'completed') {
    // The document is for scripts; a person or a CI log reads why it failed on stderr, in one line.
    s.lifeline.say(`nimble: session ${s.writer.id} ${status}: ${oneLine(s.bus.state.endReason ?? 'no reason given')}`);
  }
  if (unsaved.length) s.lifeline.say(`nimble: NOT SAVED: ${unsaved.join('; ')}`);
  s.dispose();
  if (status === 'aborted' && stopped) return STOP_EXIT[stopped.cause];
  const code = exitCode(status, s.bus.state.sweep.breakingPoints);
  return code === 0 && unsaved.length ? 1 : code;
}

function cleanupWord(bus: EventBus): string {
  const st = bus.state.stages.cleanup;
  return st === undefined ? 'not needed' : st.ok ? 'finished' : 'did not finish (run `nimble status`)';
}

/**
 * 0 completed, 1 failed (a sweep with no answer included), 130 aborted — and 3 for a completed
 * session whose breaking point is only a lower bound because this client was the limit (as
 * `nimble validate` says for it).
 */
export function exitCode(status: string, breakingPoints?: SessionState['sweep']['breakingPoints']): number {
  if (status === 'completed' && breakingPoints && sweepAnswer(breakingPoints).status === 'limited') return 3;
  return status === 'completed' ? 0 : status === 'aborted' ? 130 : 1;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
