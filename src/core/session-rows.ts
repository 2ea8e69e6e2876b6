// One line per session for the browser and `nimble sessions`: what a user scans to pick sessions.

import type { SessionSummary } from './session-summary.ts';
import type { BreakingPoint, ShapeId } from './sweep-types.ts';
import { answerStatus } from './sweep.ts';
import { breakingPointShort, breakingPointText } from './result-text.ts';
import type { TierId } from './tiers.ts';

export interface SessionRow {
  id: string;
  /** ISO start date. */
  date: string;
  mode: SessionSummary['meta']['mode'];
  model: string;
  gpuShape: string;
  gpuCount: number;
  /** Simulator profile, when mode is sim. */
  profile: string | null;
  targetTier: TierId;
  deployMs: number | null;
  deployTier: TierId | 'over' | null;
  totalMs: number | null;
  totalTier: TierId | 'over' | null;
  /** Breaking point per shape with its bracket and how far it answers (status, text). */
  breakingPoints: Partial<Record<ShapeId, { lastPassing: number; firstFailing: number | null; resolution?: number; status: NonNullable<BreakingPoint['status']>; text: string }>>;
  costUsd: number;
  priceTable: string;
  status: SessionSummary['status'];
  /** Reconstructed from the event log (no summary written). */
  partial: boolean;
  running: boolean;
  endReason?: string;
  warnings: string[];
}

export function sessionRow(s: SessionSummary, extra: { partial?: boolean; running?: boolean; warnings?: string[] } = {}): SessionRow {
  const bps: SessionRow['breakingPoints'] = {};
  for (const [shape, bp] of Object.entries(s.breakingPoints)) {
    if (bp) bps[shape as ShapeId] = { lastPassing: bp.lastPassing, firstFailing: bp.firstFailing, resolution: bp.resolution, status: answerStatus(bp), text: breakingPointText(bp) };
  }
  return {
    id: s.id,
    date: s.meta.startedAt,
    mode: s.meta.mode,
    model: s.meta.model,
    gpuShape: s.meta.gpuShape,
    gpuCount: s.meta.gpuCount,
    profile: s.meta.sim?.profile ?? null,
    targetTier: s.meta.targetTier,
    deployMs: s.stages.deploy.durationMs,
    deployTier: s.stages.deploy.tier,
    totalMs: s.stages.total.durationMs,
    totalTier: s.stages.total.tier,
    breakingPoints: bps,
    costUsd: s.cost.totalUsd,
    priceTable: s.cost.priceTable,
    status: s.status,
    partial: extra.partial ?? false,
    running: extra.running ?? false,
    endReason: s.endReason,
    warnings: extra.warnings ?? [],
  };
}

export { durationText as formatDuration } from './format.ts';

export function statusLabel(r: Pick<SessionRow, 'status' | 'partial' | 'running'>): string {
  if (r.running) return 'running';
  return r.partial ? `${r.status} (partial)` : r.status;
}

export function breakingPointsLabel(r: Pick<SessionRow, 'breakingPoints'>): string {
  const parts = Object.entries(r.breakingPoints).map(([shape, bp]) => `${shape} ${breakingPointShort({ shape: shape as ShapeId, rule: null, limitedBy: 'unknown', resolution: 1, ...bp! })}`);
  return parts.length ? parts.join(' ') : '—';
}
