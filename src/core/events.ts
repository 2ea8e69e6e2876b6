// Every happening in a session is one of these events, appended to the session's event log.
// The store (src/ui/store.ts) reduces them; replay feeds a recorded log into the same reducer,
// so anything a view shows must be derivable from events alone.

import type { ClusterSignal, DeploySpec, PreflightCheck, CleanupReport, Endpoint } from './cluster.ts';
import type { BreakingPoint, Economics, LevelResult, ServerSample, ShapeId } from './sweep-types.ts';
import type { TierId } from './tiers.ts';
import type { ServerMetricsInfo } from './server-metrics.ts';

/** How prompts are built (issue 9: a cache cannot flatter the result unless asked to). */
export interface WorkloadInfo {
  /** Share of each prompt's tokens that is a prefix shared by every request of the session (0: none). */
  prefixCacheHit: number;
  /** Every prompt starts with a random per-session salt, so no two sessions share a prefix. */
  saltedPerSession: boolean;
}
import type { PatternSpec } from './patterns.ts';
import type { PatternWindow } from './pattern-windows.ts';
import type { PatternResult } from './pattern-result.ts';

export type Stage = 'preflight' | 'deploy' | 'smoke' | 'sweep' | 'cleanup' | 'summary';

export interface SessionMeta {
  id: string;
  nimbleVersion: string;
  mode: 'sim' | 'cluster' | 'endpoint' | 'import';
  startedAt: string; // ISO wall-clock date
  spec?: DeploySpec;
  /** Simulator profile and time scale, when mode is sim. */
  sim?: { profile: TierId; timeScale: number; seed: number; nimProfile: string };
  target?: string; // base URL for endpoint mode
  model: string;
  gpuShape: string;
  gpuCount: number;
  priceTable: string;
  /** Tier whose budgets the timeline shows (the sim profile, or --tier on a cluster). */
  targetTier: TierId;
  context?: string;
  namespace?: string;
  flags: Record<string, string | number | boolean>;
  shapes: ShapeId[];
  /** Where the sweep's requests came from when not this process, e.g. "cluster (3 pods)". */
  loadFrom?: string;
}

export interface SmokeCheck {
  name: 'ready' | 'models' | 'chat' | 'metrics';
  ok: boolean;
  ms: number;
  detail: string;
  /** Passed with a caveat the views show (e.g. no server metrics: client-side rules only). */
  warn?: boolean;
}

export interface LevelProgress {
  shape: ShapeId;
  concurrency: number;
  phase: 'warmup' | 'measuring';
  inFlight: number;
  completed: number;
  failed: number;
  ttftP95: number | null;
  elapsedMs: number;
}

export type EventBody =
  | { type: 'session.started'; meta: SessionMeta }
  | { type: 'stage.started'; stage: Stage }
  | { type: 'stage.ended'; stage: Stage; ok: boolean; note?: string }
  | { type: 'preflight.check'; check: PreflightCheck }
  | { type: 'cluster.signal'; signal: ClusterSignal }
  | { type: 'endpoint'; endpoint: Endpoint }
  | { type: 'smoke.check'; check: SmokeCheck }
  | { type: 'sweep.started'; shapes: ShapeId[]; maxConcurrency: number; serverMetrics?: ServerMetricsInfo; workload?: WorkloadInfo }
  | { type: 'level.started'; shape: ShapeId; concurrency: number }
  | { type: 'level.progress'; progress: LevelProgress }
  | { type: 'level.finished'; level: LevelResult }
  | { type: 'server.sample'; sample: ServerSample }
  | { type: 'sweep.finished'; shape: ShapeId; breakingPoint: BreakingPoint; economics: Economics | null }
  | { type: 'cleanup.finished'; report: CleanupReport }
  | { type: 'log'; source: string; level: 'info' | 'warn' | 'error'; line: string }
  | { type: 'error'; message: string; hint?: string; where: Stage | 'app' }
  | { type: 'guard'; kind: 'budget' | 'time-box' | 'daily-budget'; message: string; action: 'refused' | 'stopped' | 'warned' }
  | { type: 'session.ended'; status: SessionStatus; reason?: string }
  // Load patterns (src/core/patterns.ts): a run over time, its closed windows, its figures.
  | { type: 'pattern.started'; pattern: PatternSpec; model: string; promptTokens: number; outputTokens: number }
  | { type: 'pattern.progress'; t: number; inFlight: number }
  | { type: 'pattern.window'; window: PatternWindow }
  | { type: 'pattern.finished'; result: PatternResult };

export type SessionStatus = 'completed' | 'failed' | 'aborted';

export type EventType = EventBody['type'];

// Every event type, once, checked against the union: a type added to EventBody and not here fails
// tsc ("Property '…' is missing"), one here and not in the union fails it too (unknown property).
const EVENT_TYPE_KEYS: Record<EventType, true> = {
  'session.started': true, 'stage.started': true, 'stage.ended': true, 'preflight.check': true, 'cluster.signal': true,
  endpoint: true, 'smoke.check': true, 'sweep.started': true, 'level.started': true, 'level.progress': true,
  'level.finished': true, 'server.sample': true, 'sweep.finished': true, 'cleanup.finished': true, log: true, error: true,
  guard: true, 'session.ended': true,
  'pattern.started': true, 'pattern.progress': true, 'pattern.window': true, 'pattern.finished': true,
};
/** The event types a reader knows (replay refuses the rest). */
export const EVENT_TYPES = Object.keys(EVENT_TYPE_KEYS) as readonly EventType[];
export function isEventType(s: string): s is EventType {
  return Object.hasOwn(EVENT_TYPE_KEYS, s);
}

/** t: session-clock ms (virtual during simulated deploy/cleanup); wall: real ms since start. */
export type NimbleEvent = EventBody & { seq: number; t: number; wall: number };

export type EventSink = (body: EventBody) => void;
