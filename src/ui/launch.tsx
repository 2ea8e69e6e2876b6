// The one way in to the interactive app: every interactive screen (live run, sessions browser,
// replay, compare, the deploy question) is a route of one Ink root, mounted by one render() per
// process. Moving between routes redraws in place: no screen is left behind, since every route
// keeps its frame below the terminal's height (a taller frame scrolls, and Ink cannot erase it).
//
// Commands call launchLive (nimble run/sweep/load in a terminal), launchSessions (nimble
// sessions), launchReplay (nimble replay <id>) or launchCompare (nimble compare a b).

import React, { useRef, useState, useSyncExternalStore } from 'react';
import { render, useApp } from 'ink';
import type { PreflightCheck } from '../core/cluster.ts';
import type { Comparison } from '../core/compare.ts';
import { DEFAULT_PRICE_TABLE, type PriceTable } from '../core/cost.ts';
import type { NimbleEvent } from '../core/events.ts';
import { App, type DeployQuestion } from './App.tsx';
import { KeyboardRoot } from './input.ts';
import { Providers } from './providers.tsx';
import { SessionsBrowser, type BrowserAction, type BrowserMemory, type SessionsAdapter } from './sessions/browser.tsx';
import { CompareView } from './sessions/compare-view.tsx';
import { ReplayScreen } from './sessions/replay.tsx';
import type { ReplaySpeed } from './sessions/replay-controller.ts';
import { createLiveStore, useLiveStore, type LiveStore } from './store.ts';
import type { Theme } from './theme.ts';
import { useStore } from 'zustand';

export type { SessionsAdapter } from './sessions/browser.tsx';
export type { ReplaySpeed } from './sessions/replay-controller.ts';

export type Route =
  | { name: 'live' }
  | { name: 'browser' }
  | { name: 'replay'; id: string; events: NimbleEvent[]; speed: ReplaySpeed }
  | { name: 'compare'; comparison: Comparison };

/** The deploy question's one slot: set by confirmDeploy, read by the live route. */
export interface QuestionBox {
  get(): DeployQuestion | null;
  set(q: DeployQuestion | null): void;
  subscribe(fn: () => void): () => void;
}

export function createQuestionBox(): QuestionBox {
  let q: DeployQuestion | null = null;
  const listeners = new Set<() => void>();
  return {
    get: () => q,
    set(next) {
      q = next;
      for (const fn of listeners) fn();
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

export interface LiveRouteProps {
  now: () => number;
  onQuit: () => void;
  /** Read on each render, so the path appears once the session file is written. */
  savedTo?: () => string | undefined;
  questions: QuestionBox;
}

/** The live run: re-reads savedTo whenever the store changes (a render is happening anyway). */
function LiveRoute({ now, onQuit, savedTo, questions }: LiveRouteProps) {
  useStore(useLiveStore(), (s) => s.session);
  const deploy = useSyncExternalStore(questions.subscribe, questions.get, questions.get);
  return <App now={now} onQuit={onQuit} savedTo={savedTo?.()} deploy={deploy} />;
}

export interface RootProps {
  initial: Route;
  theme: Theme;
  sessions?: SessionsAdapter;
  live?: LiveRouteProps;
  /** Replay speed when opened from the browser. */
  speed?: ReplaySpeed;
}

/** The router: a stack of routes; q on a route goes back to the one below, or quits on the last. */
export function Root({ initial, theme, sessions, live, speed = 10 }: RootProps) {
  const app = useApp();
  const [stack, setStack] = useState<Route[]>([initial]);
  const stackRef = useRef(stack);
  stackRef.current = stack;
  const memory = useRef<BrowserMemory>({ sort: 'date', filter: '', cursor: 0, marked: [] });
  const setBoth = (next: Route[]) => {
    stackRef.current = next;
    setStack(next);
  };
  const back = () => {
    const s = stackRef.current;
    if (s.length <= 1) app.exit();
    else setBoth(s.slice(0, -1));
  };
  const push = (r: Route) => setBoth([...stackRef.current, r]);
  const route = stack[stack.length - 1];
  const below = stack.length > 1;
  const key = `${stack.length}:${route.name}`;
  switch (route.name) {
    case 'live':
      return live ? <LiveRoute key={key} {...live} /> : null;
    case 'browser': {
      const onAction = (a: BrowserAction) => {
        if (a.type === 'quit') back();
        else if (a.type === 'replay') push({ name: 'replay', id: a.id, events: a.events, speed });
        else push({ name: 'compare', comparison: a.comparison });
      };
      return sessions ? <SessionsBrowser key={key} sessions={sessions} onAction={onAction} theme={theme} memory={memory.current} /> : null;
    }
    case 'replay':
      return <ReplayScreen key={key} id={route.id} events={route.events} speed={route.speed} back={below} onExit={back} />;
    case 'compare':
      return <CompareView key={key} c={route.comparison} colour={theme.color} back={below} onExit={back} />;
  }
}

export interface LaunchOptions {
  theme: Theme;
  priceTable?: PriceTable;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
}

function mount(root: React.ReactElement, store: LiveStore, o: LaunchOptions, extra: { exitOnCtrlC: boolean; maxFps?: number }) {
  const tree = () => (
    <Providers store={store} theme={o.theme} env={{ priceTable: o.priceTable ?? DEFAULT_PRICE_TABLE }}>
      <KeyboardRoot>{root}</KeyboardRoot>
    </Providers>
  );
  const instance = render(tree(), {
    patchConsole: false,
    exitOnCtrlC: extra.exitOnCtrlC,
    // An explicit undefined would replace Ink's defaults (process.stdout, stdin, the frame rate).
    ...(o.stdout ? { stdout: o.stdout } : {}),
    ...(o.stdin ? { stdin: o.stdin } : {}),
    ...(extra.maxFps ? { maxFps: extra.maxFps } : {}),
  });
  return { instance, tree };
}

/** Browser → replay or compare → back, until q on the browser. Resolves with the exit code. */
export async function launchSessions(o: LaunchOptions & { sessions: SessionsAdapter; speed?: ReplaySpeed }): Promise<number> {
  const { instance } = mount(<Root initial={{ name: 'browser' }} theme={o.theme} sessions={o.sessions} speed={o.speed} />, createLiveStore({ flushHz: 0 }), o, { exitOnCtrlC: true });
  await instance.waitUntilExit();
  return 0;
}

/** Replays a saved session; q quits at once (a recording has nothing to clean up). */
export async function launchReplay(o: LaunchOptions & { id: string; events: NimbleEvent[]; speed: ReplaySpeed }): Promise<number> {
  const { instance } = mount(<Root initial={{ name: 'replay', id: o.id, events: o.events, speed: o.speed }} theme={o.theme} />, createLiveStore({ flushHz: 0 }), o, { exitOnCtrlC: true });
  await instance.waitUntilExit();
  return 0;
}

export async function launchCompare(o: LaunchOptions & { comparison: Comparison }): Promise<number> {
  const { instance } = mount(<Root initial={{ name: 'compare', comparison: o.comparison }} theme={o.theme} />, createLiveStore({ flushHz: 0 }), o, { exitOnCtrlC: true });
  await instance.waitUntilExit();
  return 0;
}

export interface LaunchLiveOptions extends LaunchOptions {
  store: LiveStore;
  now: () => number;
  onQuit: () => void;
  savedTo?: () => string | undefined;
  maxFps?: number;
}

export interface LiveHandle {
  unmount(): void;
  waitUntilExit(): Promise<unknown>;
  /** Render again now (e.g. after savedTo changed, which is not in the store). */
  rerender(): void;
  /**
   * Asks "Deploy a NIM?" inside the app, with the preflight checks and `estimate` (the cost-estimate
   * check) on screen. Resolves true on y, false on n / q / Esc — or when `signal` aborts (Ctrl-C
   * while asked), which also takes the question off the screen.
   */
  confirmDeploy(estimate: PreflightCheck, signal?: AbortSignal): Promise<boolean>;
}

/** The live run (nimble run / sweep / load in a terminal). The caller owns SIGINT: Ink must not exit on Ctrl-C. */
export function launchLive(o: LaunchLiveOptions): LiveHandle {
  const questions = createQuestionBox();
  const live: LiveRouteProps = { now: o.now, onQuit: o.onQuit, savedTo: o.savedTo, questions };
  const { instance, tree } = mount(<Root initial={{ name: 'live' }} theme={o.theme} live={live} />, o.store, o, { exitOnCtrlC: false, maxFps: o.maxFps ?? 10 });
  return {
    unmount: () => instance.unmount(),
    waitUntilExit: () => instance.waitUntilExit(),
    rerender: () => instance.rerender(tree()),
    confirmDeploy: (estimate, signal) =>
      new Promise<boolean>((resolve) => {
        const answer = (yes: boolean) => {
          signal?.removeEventListener('abort', onAbort);
          if (questions.get()?.answer === answer) questions.set(null);
          resolve(yes);
        };
        const onAbort = () => answer(false);
        if (signal?.aborted) return resolve(false);
        signal?.addEventListener('abort', onAbort, { once: true });
        questions.set({ estimate, answer });
      }),
  };
}
