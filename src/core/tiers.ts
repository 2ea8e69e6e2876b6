// Tier targets from seed 000 (../shared/reference/targets-and-prices.md §1). Data, not logic.

export type TierId = 'ultra' | 'fast' | 'typical' | 'slow';
/** Fastest first: a verdict is the first tier whose budget a duration fits. */
export const TIER_ORDER: readonly TierId[] = ['ultra', 'fast', 'typical', 'slow'];
export const TIER_LABEL: Record<TierId, string> = {
  ultra: 'Ultra-Fast',
  fast: 'Fast',
  typical: 'Typical',
  slow: 'Slow',
};

export type PhaseId = 'gpuNode' | 'imagePull' | 'modelDownload' | 'nimStartup' | 'loadBalancer' | 'healthCheck';

/** Display order: the order the phases really run on a cluster (the LB runs in parallel). */
export const PHASE_ORDER: readonly PhaseId[] = [
  'gpuNode',
  'imagePull',
  'modelDownload',
  'nimStartup',
  'loadBalancer',
  'healthCheck',
];
export const PHASE_LABEL: Record<PhaseId, string> = {
  imagePull: 'Image Pull',
  gpuNode: 'GPU Node Ready',
  modelDownload: 'Model Download',
  nimStartup: 'NIM Startup',
  loadBalancer: 'LoadBalancer Ready',
  healthCheck: 'Health Check',
};
/** Phases that run beside the pod phases rather than after them. */
export const PARALLEL_PHASES: ReadonlySet<PhaseId> = new Set<PhaseId>(['loadBalancer']);

const MIN = 60_000;
/**
 * Per-phase budgets in ms. `null` is the seed's "—" (no budget of its own at that tier): the
 * next slower tier's budget applies. A budget of 0 ("warm node, no wait") is judged with
 * ZERO_BUDGET_GRACE_MS, since even a warm node takes a scheduler round-trip.
 */
export const PHASE_BUDGET_MS: Record<PhaseId, Record<TierId, number | null>> = {
  imagePull: { slow: 15 * MIN, typical: 8 * MIN, fast: 2 * MIN, ultra: 0.5 * MIN },
  gpuNode: { slow: 10 * MIN, typical: 5 * MIN, fast: 0, ultra: 0 },
  modelDownload: { slow: 10 * MIN, typical: 5 * MIN, fast: 1 * MIN, ultra: 0.5 * MIN },
  nimStartup: { slow: 9 * MIN, typical: 6 * MIN, fast: 5 * MIN, ultra: 3 * MIN },
  loadBalancer: { slow: 3 * MIN, typical: 1 * MIN, fast: 3 * MIN, ultra: 2 * MIN },
  healthCheck: { slow: 1 * MIN, typical: null, fast: 1 * MIN, ultra: 0.5 * MIN },
};
export const ZERO_BUDGET_GRACE_MS = 30_000;

export type StageId = 'deploy' | 'test' | 'cleanup' | 'total';
export const STAGE_TARGET_MS: Record<StageId, Record<TierId, number>> = {
  deploy: { slow: 48 * MIN, typical: 25 * MIN, fast: 12 * MIN, ultra: 8 * MIN },
  test: { slow: 10 * MIN, typical: 5 * MIN, fast: 3 * MIN, ultra: 1 * MIN },
  cleanup: { slow: 5 * MIN, typical: 3 * MIN, fast: 2 * MIN, ultra: 1 * MIN },
  total: { slow: 63 * MIN, typical: 33 * MIN, fast: 17 * MIN, ultra: 10 * MIN },
};
/** Success criterion per tier (total time that 95% of runs must stay under). */
export const TIER_SUCCESS_TOTAL_MS: Record<TierId, number> = {
  slow: 60 * MIN,
  typical: 35 * MIN,
  fast: 20 * MIN,
  ultra: 12 * MIN,
};
/** Reliability targets (seed 000): success rates over many runs. */
export const RELIABILITY_TARGETS = { deploy: 0.95, test: 0.98, cleanup: 0.99, cycle: 0.94 } as const;

export function phaseBudgetMs(phase: PhaseId, tier: TierId): number {
  const i = TIER_ORDER.indexOf(tier);
  for (let j = i; j < TIER_ORDER.length; j++) {
    const b = PHASE_BUDGET_MS[phase][TIER_ORDER[j]];
    if (b !== null) return b;
  }
  throw new Error(`no budget for ${phase}`);
}

/** Fastest tier whose budget the phase duration fits, or 'over' when it misses even Slow. */
export function phaseTier(phase: PhaseId, durationMs: number): TierId | 'over' {
  for (const tier of TIER_ORDER) {
    const budget = phaseBudgetMs(phase, tier);
    const limit = budget === 0 ? ZERO_BUDGET_GRACE_MS : budget;
    if (durationMs <= limit) return tier;
  }
  return 'over';
}

export function stageTier(stage: StageId, durationMs: number): TierId | 'over' {
  for (const tier of TIER_ORDER) if (durationMs <= STAGE_TARGET_MS[stage][tier]) return tier;
  return 'over';
}

export function parseTier(s: string): TierId | undefined {
  const k = s.toLowerCase().replace(/[^a-z]/g, '');
  if (k === 'ultra' || k === 'ultrafast') return 'ultra';
  if (k === 'fast' || k === 'typical' || k === 'slow') return k;
  return undefined;
}
