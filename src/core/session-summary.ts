// The summary of a session, derived from its state: what the summary view shows, what the session
// file stores, what compare/validate read. Pure.

import type { CleanupReport, Diagnosis } from './cluster.ts';
import { costAt, type CostBreakdown, type PriceTable } from './cost.ts';
import type { SessionMeta, SessionStatus, SmokeCheck } from './events.ts';
import { deploySpan, phaseVerdict } from './phase-tracker.ts';
import type { SessionState } from './session-state.ts';
import type { ServerMetricsInfo } from './server-metrics.ts';
import type { BreakingPoint, Economics, LevelResult, ShapeId } from './sweep-types.ts';
import { breakingPoint, levelOutcome } from './sweep.ts';
import { PHASE_ORDER, stageTier, type PhaseId, type StageId, type TierId } from './tiers.ts';

export const SUMMARY_SCHEMA_VERSION = 1;

export interface PhaseSummary {
  id: PhaseId;
  status: string;
  durationMs: number | null;
  tier: TierId | 'over' | null;
  note?: string;
}

export interface StageSummary {
  durationMs: number | null;
  tier: TierId | 'over' | null;
  ok: boolean | null;
}

export interface SessionSummary {
  schemaVersion: typeof SUMMARY_SCHEMA_VERSION;
  id: string;
  meta: SessionMeta;
  status: SessionStatus | 'running';
  endReason?: string;
  phases: PhaseSummary[];
  stages: Record<StageId, StageSummary>;
  diagnosis: Diagnosis | null;
  smoke: SmokeCheck[];
  levels: LevelResult[];
  breakingPoints: Partial<Record<ShapeId, BreakingPoint>>;
  economics: Partial<Record<ShapeId, Economics>>;
  cost: CostBreakdown;
  cleanup: CleanupReport | null;
  errors: { message: string; hint?: string; where: string }[];
  guards: { kind: string; message: string; action: string }[];
  /** Session-clock length of the whole session. */
  elapsedMs: number;
  /** Whether the server's own gauges were read during the sweep (absent in older sessions). */
  serverMetrics?: ServerMetricsInfo;
}

function stage(state: SessionState, start: number | undefined, end: number | undefined, ok: boolean | undefined, id: StageId): StageSummary {
  if (start === undefined || end === undefined) return { durationMs: null, tier: null, ok: ok ?? null };
  const d = end - start;
  // A failed stage (an aborted cycle's total included) achieved no tier, however short it was.
  return { durationMs: d, tier: ok === false ? null : stageTier(id, d), ok: ok ?? null };
}

export function summarizeSession(state: SessionState, table: PriceTable): SessionSummary {
  if (!state.meta) throw new Error('session has no session.started event');
  const phases: PhaseSummary[] = PHASE_ORDER.map((id) => {
    const p = state.phases[id];
    const durationMs = p.startedAt !== undefined && p.endedAt !== undefined ? p.endedAt - p.startedAt : null;
    return { id, status: p.status, durationMs, tier: phaseVerdict(id, p), note: p.note };
  });
  const st = state.stages;
  const span = deploySpan(state.phases);
  // Deploy runs from the deploy stage's start (the helm submit) to the health check passing.
  const deployStart = st.deploy?.startedAt ?? span?.start;
  const deployEnd = span ? span.end : st.deploy?.endedAt;
  const deploy = stage(state, deployStart, span ? deployEnd : undefined, st.deploy?.ok, 'deploy');
  const testStart = st.smoke?.startedAt ?? st.sweep?.startedAt;
  const testEnd = st.sweep?.endedAt ?? st.smoke?.endedAt;
  const testOk = st.smoke?.ok === undefined ? undefined : Boolean(st.smoke.ok && (st.sweep?.ok ?? true));
  const test = stage(state, testStart, testEnd, testOk, 'test');
  const cleanup = stage(state, st.cleanup?.startedAt, st.cleanup?.endedAt, st.cleanup?.ok, 'cleanup');
  const totalStart = deployStart ?? testStart;
  const totalEnd = st.cleanup?.endedAt ?? testEnd;
  const allOk = [deploy.ok, test.ok, cleanup.ok].every((x) => x !== false);
  const total = stage(state, totalStart, totalEnd, state.status === 'running' ? undefined : allOk && state.status === 'completed', 'total');
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    id: state.meta.id,
    meta: state.meta,
    status: state.status,
    endReason: state.endReason,
    phases,
    stages: { deploy, test, cleanup, total },
    diagnosis: state.diagnosis,
    smoke: state.smoke,
    levels: state.sweep.levels,
    ...(state.sweep.serverMetrics ? { serverMetrics: state.sweep.serverMetrics } : {}),
    ...reassessSweep(state.sweep.breakingPoints, state.sweep.economics, state.sweep.levels),
    cost: costAt(state.resources, state.t, table),
    cleanup: state.cleanup.report,
    errors: state.errors.map(({ message, hint, where }) => ({ message, hint, where })),
    guards: state.guards.map(({ kind, message, action }) => ({ kind, message, action })),
    elapsedMs: state.t,
  };
}

/**
 * Sessions written before levels had outcomes stored a breaking point over INVALID levels too:
 * such a breaking point (no `status`) is judged again from its levels — invalid ones are
 * inconclusive — and loses its economics when no valid pass is left. New ones pass through.
 */
export function reassessSweep(
  bps: Partial<Record<ShapeId, BreakingPoint>>,
  economics: Partial<Record<ShapeId, Economics>>,
  levels: LevelResult[],
): { breakingPoints: Partial<Record<ShapeId, BreakingPoint>>; economics: Partial<Record<ShapeId, Economics>> } {
  const outBp: Partial<Record<ShapeId, BreakingPoint>> = {};
  const outEco: Partial<Record<ShapeId, Economics>> = { ...economics };
  for (const [shape, bp] of Object.entries(bps) as [ShapeId, BreakingPoint | undefined][]) {
    if (!bp) continue;
    const own = levels.filter((l) => l.shape === shape);
    // Only where the answer rests on an inconclusive level: the level it calls the last pass or the first break.
    const restsOn = own.filter((l) => l.concurrency === bp.lastPassing || l.concurrency === bp.firstFailing);
    if (bp.status !== undefined || !restsOn.some((l) => levelOutcome(l) === 'inconclusive')) {
      outBp[shape] = bp;
      continue;
    }
    const again = breakingPoint(shape, own, bp.firstFailing === null ? bp.resolution : undefined);
    outBp[shape] = again;
    if (again.lastPassing !== bp.lastPassing || again.lastPassing === 0) delete outEco[shape];
  }
  return { breakingPoints: outBp, economics: outEco };
}

export function tierLabelOrDash(t: TierId | 'over' | null): string {
  if (t === null) return '—';
  if (t === 'over') return 'over Slow';
  return { ultra: 'Ultra-Fast', fast: 'Fast', typical: 'Typical', slow: 'Slow' }[t];
}
