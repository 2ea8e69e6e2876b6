// Where a session's events go for the person watching: the Ink TUI on a terminal, progressive
// plain lines when stdout is not a TTY (or --plain), or one JSON document at the end (--json).

import type { NimbleEvent } from '../core/events.ts';
import type { PreflightCheck } from '../core/cluster.ts';
import type { PriceTable } from '../core/cost.ts';
import { summarizeSession } from '../core/session-summary.ts';
import type { EventBus } from './event-bus.ts';
import { plainLines, summaryLines } from './plain.ts';
import { inCi } from '../util/ci.ts';
import { sanitizeText } from '../util/sanitize.ts';
import { sanitizeDeep } from '../util/sanitize-deep.ts';
import { warningCollector } from './json-warnings.ts';

export type OutputMode = 'tui' | 'plain' | 'json';

export function chooseOutputMode(
  flags: { json?: boolean; plain?: boolean },
  stdout: Pick<NodeJS.WriteStream, 'isTTY'> = process.stdout,
  env: NodeJS.ProcessEnv = process.env,
): OutputMode {
  if (flags.json) return 'json';
  // Under CI=… Ink draws nothing until the app exits, so a live TUI would show a blank screen.
  if (flags.plain || !stdout.isTTY || inCi(env)) return 'plain';
  return 'tui';
}

export interface Output {
  /** Called once the session has ended and its summary is saved. */
  finish(savedTo: string | undefined): Promise<void>;
  /** Stop the TUI (on fatal errors) without waiting for the user. */
  close(): void;
  /** The TUI only: asks before anything paid is created, inside the app (cycle's confirmDeploy). */
  confirmDeploy?: (estimate: PreflightCheck, signal?: AbortSignal) => Promise<boolean>;
}

export interface OutputOptions {
  mode: OutputMode;
  bus: EventBus;
  priceTable: PriceTable;
  theme?: string;
  /** Called when the user quits from the TUI (q → confirm). */
  onQuit: () => void;
  write?: (s: string) => void;
  /** True when nobody is watching any more (SIGHUP, SIGTERM, stdout gone): the TUI does not wait for q. */
  unattended?: () => boolean;
}

export async function attachOutput(opts: OutputOptions): Promise<Output> {
  const write = opts.write ?? ((s: string) => void process.stdout.write(s));
  const { bus, priceTable } = opts;
  if (opts.mode === 'plain') {
    let prev = bus.state;
    const unsubscribe = bus.subscribe((e: NimbleEvent) => {
      const next = bus.state;
      // Model ids, server messages, imported and config text: no escape sequence reaches the terminal.
      for (const line of plainLines(prev, e, next)) write(sanitizeText(line) + '\n');
      prev = next;
    });
    return {
      async finish(savedTo) {
        unsubscribe();
        if (bus.state.meta) for (const line of summaryLines(summarizeSession(bus.state, priceTable), savedTo)) write(sanitizeText(line) + '\n');
      },
      close: unsubscribe,
    };
  }
  if (opts.mode === 'json') {
    // Warnings go into the document too, not only into events.ndjson.
    const warnings = warningCollector();
    const unsubscribe = bus.subscribe((e: NimbleEvent) => warnings.add(e));
    return {
      async finish(savedTo) {
        unsubscribe();
        const summary = bus.state.meta ? summarizeSession(bus.state, priceTable) : null;
        write(JSON.stringify({ savedTo: savedTo ?? null, summary, warnings: warnings.list().map((w) => ({ ...w, message: sanitizeText(w.message) })) }, null, 2) + '\n');
      },
      close: unsubscribe,
    };
  }
  return attachTui(opts);
}

async function attachTui(opts: OutputOptions): Promise<Output> {
  const { createLiveStore } = await import('../ui/store.ts');
  const { launchLive } = await import('../ui/launch.tsx');
  const { loadTheme } = await import('./themes.ts');
  const store = createLiveStore();
  const theme = loadTheme(opts.theme);
  let savedTo: string | undefined;
  const unsubscribe = opts.bus.subscribe((e) => store.getState().push(sanitizeDeep(e)));
  let quitRequested = false;
  let resolveQuit: () => void = () => {};
  const quit = new Promise<void>((r) => (resolveQuit = r));
  const app = launchLive({
    store,
    theme,
    now: () => opts.bus.clock.now(),
    onQuit: () => {
      quitRequested = true;
      opts.onQuit();
      resolveQuit();
    },
    savedTo: () => savedTo,
    priceTable: opts.priceTable,
    stdout: process.stdout,
    stdin: process.stdin,
  });
  // In raw mode the terminal sends Ctrl-C to stdin instead of raising SIGINT: turn it back into the
  // signal so the TUI gets the same stop-then-clean-up handling as the plain output.
  const onData = (chunk: Buffer | string) => {
    if (String(chunk).includes('\u0003')) process.kill(process.pid, 'SIGINT');
  };
  process.stdin.on('data', onData);
  return {
    async finish(path) {
      savedTo = path;
      unsubscribe();
      store.getState().flush();
      app.rerender?.();
      // The summary stays on screen until the user quits (q), unless they already asked to.
      if (!quitRequested && !opts.unattended?.()) await quit;
      process.stdin.off('data', onData);
      app.unmount();
      store.getState().dispose?.();
    },
    close() {
      unsubscribe();
      process.stdin.off('data', onData);
      app.unmount();
    },
    async confirmDeploy(estimate, signal) {
      const yes = await app.confirmDeploy(estimate, signal);
      // No: the user has answered and leaves; the end screen does not wait for another q.
      if (!yes && !signal?.aborted) quitRequested = true;
      return yes;
    },
  };
}
