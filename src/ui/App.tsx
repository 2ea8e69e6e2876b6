// The live app: header, the current view, the key bar. The view follows the session's stage
// until the user picks one with a number key (f follows again). Replay shows the same app with a
// player strip and the replay keys; the deploy question (nimble run on a cluster) is asked here
// too. Keys come through useKeys (input.ts): input is only read when stdin is a TTY (Ink's
// useInput throws on raw mode otherwise).

import React, { useRef, useState, type ReactNode } from 'react';
import { Box } from 'ink';
import { useKeys } from './input.ts';
import type { PreflightCheck } from '../core/cluster.ts';
import type { Stage } from '../core/events.ts';
import type { SessionState } from '../core/session-state.ts';
import { Header } from './components/Header.tsx';
import { CleanupView } from './components/CleanupView.tsx';
import { DeployConfirm, DEPLOY_CONFIRM_ROWS } from './components/DeployConfirm.tsx';
import { HelpOverlay } from './components/HelpOverlay.tsx';
import { KeyBar } from './components/KeyBar.tsx';
import { LogsView } from './components/LogsView.tsx';
import { QuitConfirm, quitNeedsConfirm } from './components/QuitConfirm.tsx';
import { SmokeView } from './components/SmokeView.tsx';
import { SummaryView } from './components/SummaryView.tsx';
import { SweepView } from './components/SweepView.tsx';
import { TimelineView } from './components/Timeline.tsx';
import { PatternView } from './components/pattern/PatternView.tsx';
import { CHART_METRICS, type ChartMetric } from './components/sweep/chart.ts';
import { UiEnvProvider, useTerminalSize, useTicker, useUiEnv } from './hooks.ts';
import { DEPLOY_KEYMAP, keyId, LIVE_KEYMAP, resolveKey, type KeyAction, type Keymap, type ViewId } from './keymap.ts';
import { useLiveStore, useSession } from './store.ts';

/** Asked once preflight passed, before anything paid is created; `estimate` is the cost-estimate check. */
export interface DeployQuestion {
  estimate: PreflightCheck;
  answer(yes: boolean): void;
}

export interface AppProps {
  /** Session-clock now (ms): running durations and the elapsed time tick from it. */
  now: () => number;
  /** Called on q (after y when asked): the caller cleans up and unmounts. */
  onQuit: () => void;
  savedTo?: string;
  /** Ticks per second of the clock while the session runs. */
  clockHz?: number;
  /** The bindings (default: the live run's). */
  keymap?: Keymap;
  /** A recording: q never asks (nothing of it is running), and keys the app does not own go to onKey. */
  replay?: { id: string; onKey(action: KeyAction): void; bar: ReactNode };
  /** The deploy question, while it is asked. */
  deploy?: DeployQuestion | null;
}

const STAGE_VIEW: Record<Stage, ViewId> = {
  preflight: 'timeline',
  deploy: 'timeline',
  smoke: 'smoke',
  sweep: 'sweep',
  cleanup: 'cleanup',
  summary: 'summary',
};

export function followView(s: Pick<SessionState, 'stage' | 'status'>): ViewId {
  if (s.status !== 'running') return 'summary';
  return s.stage ? STAGE_VIEW[s.stage] : 'timeline';
}

const HEADER_ROWS = 3;
const KEYBAR_ROWS = 1;

export function App({ now, onQuit, savedTo, clockHz = 4, keymap = LIVE_KEYMAP, replay, deploy }: AppProps) {
  const env = useUiEnv();
  const { columns, rows } = useTerminalSize();
  const store = useLiveStore();
  const stage = useSession((s) => s.stage);
  const status = useSession((s) => s.status);
  const resources = useSession((s) => s.resources);
  const pattern = useSession((s) => s.pattern ?? null);
  // nimble load: the view over time is the summary too; nimble run keeps its cost summary.
  const patternOnly = useSession((s) => s.meta?.flags.command === 'load');
  const [picked, setPicked] = useState<ViewId | null>(null);
  const [help, setHelp] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [metric, setMetric] = useState<ChartMetric>('ttft');
  const ticked = useTicker(now, clockHz, status === 'running' && clockHz > 0); // replay: no clock of its own

  const view = picked ?? followView({ stage, status });
  // The key context lives in a ref updated both on render and synchronously on each key, so a
  // second key arriving before React re-renders (fast typing, a loaded machine) sees the first.
  // A load run's summary is its chart over time: the sweep view's metric key works there too.
  const also: ViewId[] = pattern && patternOnly && view === 'summary' ? ['sweep'] : [];
  const ctxRef = useRef({ view, help, confirming, also });
  ctxRef.current = { view, help, confirming, also };
  const deployRef = useRef(deploy);
  deployRef.current = deploy;
  const setCtx = (patch: Partial<typeof ctxRef.current>) => {
    ctxRef.current = { ...ctxRef.current, ...patch };
    if (patch.help !== undefined) setHelp(patch.help);
    if (patch.confirming !== undefined) setConfirming(patch.confirming);
  };

  useKeys((input, key) => {
    const ctx = ctxRef.current;
    const asked = deployRef.current;
    if (asked) {
      // The deploy question captures the keyboard until answered.
      const a = resolveKey(keyId(input, key), { help: false, confirming: true }, DEPLOY_KEYMAP);
      if (a) {
        deployRef.current = null; // a second key before the re-render answers nothing
        asked.answer(a.type === 'confirm-yes');
      }
      return;
    }
    const action = resolveKey(keyId(input, key), ctx, keymap);
    if (!action) return;
    switch (action.type) {
      case 'view':
        setPicked(action.view);
        ctxRef.current = { ...ctxRef.current, view: action.view };
        setCtx({ help: false });
        break;
      case 'follow':
        setPicked(null);
        break;
      case 'cycle-metric':
        setMetric((m) => CHART_METRICS[(CHART_METRICS.indexOf(m) + 1) % CHART_METRICS.length]);
        break;
      case 'help':
        setCtx({ help: !ctx.help });
        break;
      case 'close':
        setCtx({ help: false });
        break;
      case 'quit':
        // Read the freshest state, not the last render's. A replay has nothing running to clean up.
        if (!replay && quitNeedsConfirm(store.getState().session)) setCtx({ confirming: true });
        else onQuit();
        break;
      case 'confirm-yes':
        setCtx({ confirming: false });
        onQuit();
        break;
      case 'confirm-no':
        setCtx({ confirming: false });
        break;
      default:
        replay?.onKey(action);
    }
  });

  // One row is left free below the key bar: a frame as tall as the terminal scrolls it.
  const running = Object.values(resources)
    .filter((r) => r.stoppedAt === undefined)
    .map((r) => r.resource.label);
  const confirmRows = confirming ? 3 + (running.length ? 1 : 0) : deploy ? DEPLOY_CONFIRM_ROWS : 0;
  const bodyH = Math.max(4, rows - HEADER_ROWS - KEYBAR_ROWS - 1 - confirmRows - (replay ? 1 : 0));
  const body = help ? (
    <HelpOverlay width={columns} height={bodyH} keymap={keymap} />
  ) : view === 'timeline' ? (
    <TimelineView width={columns} height={bodyH} />
  ) : view === 'smoke' ? (
    <SmokeView width={columns} height={bodyH} />
  ) : pattern && (view === 'sweep' || (view === 'summary' && patternOnly)) ? (
    // A load-pattern session (nimble load): its view over time stands for the sweep and summary.
    <PatternView pattern={pattern} width={columns} height={bodyH} metric={metric} />
  ) : view === 'sweep' ? (
    <SweepView width={columns} height={bodyH} metric={metric} />
  ) : view === 'cleanup' ? (
    <CleanupView width={columns} height={bodyH} />
  ) : view === 'summary' ? (
    <SummaryView width={columns} height={bodyH} savedTo={savedTo} />
  ) : (
    <LogsView width={columns} height={bodyH} />
  );

  return (
    <UiEnvProvider value={{ ...env, now: ticked ?? env.now, savedTo: savedTo ?? env.savedTo, replayOf: replay?.id ?? env.replayOf }}>
      <Box flexDirection="column" width={columns}>
        {replay?.bar}
        <Header />
        <Box height={bodyH} flexDirection="column" overflow="hidden">
          {body}
        </Box>
        {confirming ? <QuitConfirm running={running} /> : deploy ? <DeployConfirm estimate={deploy.estimate} width={columns} /> : null}
        {deploy && !confirming ? (
          <KeyBar width={columns} keymap={DEPLOY_KEYMAP} help={false} confirming />
        ) : (
          <KeyBar width={columns} keymap={keymap} view={view} also={also} help={help} confirming={confirming} following={picked === null} />
        )}
      </Box>
    </UiEnvProvider>
  );
}
