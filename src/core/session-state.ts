// The state of one session, reduced from its events. Pure: no React, no I/O. The live store and
// replay both call `reduceEvent`, so a replayed session renders exactly what was seen live.

import type { CleanupReport, CleanupStep, Diagnosis, Endpoint, PaidResource, PreflightCheck } from './cluster.ts';
import type { NimbleEvent, SessionMeta, SessionStatus, SmokeCheck, Stage, LevelProgress, WorkloadInfo } from './events.ts';
import type { ServerMetricsInfo } from './server-metrics.ts';
import type { BreakingPoint, Economics, LevelResult, ServerSample, ShapeId } from './sweep-types.ts';
import type { PhaseId, TierId } from './tiers.ts';
import { initialPhases, trackPhase, type PhaseState } from './phase-tracker.ts';
import { reducePattern, type PatternState } from './pattern-state.ts';

export interface StageState {
  startedAt?: number;
  endedAt?: number;
  ok?: boolean;
  note?: string;
}

export interface ResourceSpan {
  resource: PaidResource;
  startedAt: number;
  stoppedAt?: number;
}

export interface LogLine {
  t: number;
  source: string;
  level: 'info' | 'warn' | 'error';
  line: string;
}

export interface SessionState {
  meta: SessionMeta | null;
  status: 'running' | SessionStatus;
  endReason?: string;
  /** Session-clock time of the latest event. */
  t: number;
  wall: number;
  stage: Stage | null;
  stages: Partial<Record<Stage, StageState>>;
  preflight: PreflightCheck[];
  phases: Record<PhaseId, PhaseState>;
  diagnosis: Diagnosis | null;
  endpoint: Endpoint | null;
  smoke: SmokeCheck[];
  sweep: {
    shapes: ShapeId[];
    maxConcurrency: number;
    levels: LevelResult[];
    current: LevelProgress | null;
    breakingPoints: Partial<Record<ShapeId, BreakingPoint>>;
    economics: Partial<Record<ShapeId, Economics>>;
    /** Whether the server's own gauges were readable (absent: not known, e.g. older sessions). */
    serverMetrics?: ServerMetricsInfo;
    workload?: WorkloadInfo;
  };
  /** Most recent server scrapes (bounded). */
  server: ServerSample[];
  resources: Record<string, ResourceSpan>;
  cleanup: { steps: Partial<Record<CleanupStep, { done: boolean; detail?: string }>>; report: CleanupReport | null };
  /** Most recent log lines (bounded). */
  logs: LogLine[];
  errors: { t: number; message: string; hint?: string; where: string }[];
  guards: { t: number; kind: string; message: string; action: string }[];
  eventCount: number;
  /** A load-pattern run (nimble load), when the session holds one. */
  pattern?: PatternState | null;
}

export const MAX_LOG_LINES = 200;
export const MAX_SERVER_SAMPLES = 240;

export function initialSessionState(): SessionState {
  return {
    meta: null,
    status: 'running',
    t: 0,
    wall: 0,
    stage: null,
    stages: {},
    preflight: [],
    phases: initialPhases(),
    diagnosis: null,
    endpoint: null,
    smoke: [],
    sweep: { shapes: [], maxConcurrency: 0, levels: [], current: null, breakingPoints: {}, economics: {} },
    server: [],
    resources: {},
    cleanup: { steps: {}, report: null },
    logs: [],
    errors: [],
    guards: [],
    eventCount: 0,
  };
}

function pushBounded<T>(list: T[], item: T, max: number): T[] {
  const next = list.length >= max ? list.slice(list.length - max + 1) : list.slice();
  next.push(item);
  return next;
}

/** Reduce one event. Returns a new state object (the store relies on identity changes). */
export function reduceEvent(s: SessionState, e: NimbleEvent): SessionState {
  const base: SessionState = { ...s, t: Math.max(s.t, e.t), wall: Math.max(s.wall, e.wall), eventCount: s.eventCount + 1 };
  switch (e.type) {
    case 'session.started':
      return { ...base, meta: e.meta };
    case 'stage.started':
      return { ...base, stage: e.stage, stages: { ...s.stages, [e.stage]: { startedAt: e.t } } };
    case 'stage.ended':
      return {
        ...base,
        stages: { ...s.stages, [e.stage]: { ...s.stages[e.stage], endedAt: e.t, ok: e.ok, note: e.note } },
      };
    case 'preflight.check': {
      const others = s.preflight.filter((c) => c.id !== e.check.id);
      return { ...base, preflight: [...others, e.check] };
    }
    case 'cluster.signal': {
      const sig = e.signal;
      let next: SessionState = { ...base, phases: trackPhase(s.phases, sig, e.t) };
      if (sig.kind === 'failure') next.diagnosis = sig.diagnosis;
      if (sig.kind === 'resource') {
        const r = sig.resource;
        if (sig.action === 'start' && !s.resources[r.id]) {
          next.resources = { ...s.resources, [r.id]: { resource: r, startedAt: e.t } };
        } else if (sig.action === 'stop' && s.resources[r.id] && s.resources[r.id].stoppedAt === undefined) {
          next.resources = { ...s.resources, [r.id]: { ...s.resources[r.id], stoppedAt: e.t } };
        }
      }
      if (sig.kind === 'cleanup.step') {
        next.cleanup = { ...s.cleanup, steps: { ...s.cleanup.steps, [sig.step]: { done: sig.done, detail: sig.detail } } };
      }
      if (sig.kind === 'nim.log') {
        next.logs = pushBounded(s.logs, { t: e.t, source: sig.pod, level: 'info', line: sig.line }, MAX_LOG_LINES);
      }
      if (sig.kind === 'k8s.event') {
        next.logs = pushBounded(
          s.logs,
          { t: e.t, source: sig.object, level: sig.type === 'Warning' ? 'warn' : 'info', line: `${sig.reason}: ${sig.message}` },
          MAX_LOG_LINES,
        );
      }
      return next;
    }
    case 'endpoint':
      return { ...base, endpoint: e.endpoint };
    case 'smoke.check':
      return { ...base, smoke: [...s.smoke.filter((c) => c.name !== e.check.name), e.check] };
    case 'sweep.started':
      return { ...base, sweep: { ...s.sweep, shapes: e.shapes, maxConcurrency: e.maxConcurrency, serverMetrics: e.serverMetrics, workload: e.workload } };
    case 'level.started':
      return {
        ...base,
        sweep: {
          ...s.sweep,
          current: { shape: e.shape, concurrency: e.concurrency, phase: 'warmup', inFlight: 0, completed: 0, failed: 0, ttftP95: null, elapsedMs: 0 },
        },
      };
    case 'level.progress':
      return { ...base, sweep: { ...s.sweep, current: e.progress } };
    case 'level.finished':
      return { ...base, sweep: { ...s.sweep, current: null, levels: [...s.sweep.levels, e.level] } };
    case 'server.sample':
      return { ...base, server: pushBounded(s.server, e.sample, MAX_SERVER_SAMPLES) };
    case 'sweep.finished':
      return {
        ...base,
        sweep: {
          ...s.sweep,
          current: null,
          breakingPoints: { ...s.sweep.breakingPoints, [e.shape]: e.breakingPoint },
          economics: e.economics ? { ...s.sweep.economics, [e.shape]: e.economics } : s.sweep.economics,
        },
      };
    case 'cleanup.finished':
      return { ...base, cleanup: { ...s.cleanup, report: e.report } };
    case 'log':
      return { ...base, logs: pushBounded(s.logs, { t: e.t, source: e.source, level: e.level, line: e.line }, MAX_LOG_LINES) };
    case 'error':
      return { ...base, errors: [...s.errors, { t: e.t, message: e.message, hint: e.hint, where: e.where }] };
    case 'guard':
      return { ...base, guards: [...s.guards, { t: e.t, kind: e.kind, message: e.message, action: e.action }] };
    case 'session.ended':
      return { ...base, status: e.status, endReason: e.reason, stage: s.stage };
    case 'pattern.started':
    case 'pattern.progress':
    case 'pattern.window':
    case 'pattern.finished':
      return { ...base, pattern: reducePattern(s.pattern ?? null, e) };
  }
}

export function reduceAll(events: Iterable<NimbleEvent>, s: SessionState = initialSessionState()): SessionState {
  for (const e of events) s = reduceEvent(s, e);
  return s;
}

export type { PhaseState, TierId };
