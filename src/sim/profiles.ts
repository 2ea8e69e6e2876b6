// Deploy/cleanup timings of the simulated cluster, per tier profile. Durations are drawn as a
// seeded fraction of the tier's own phase budgets (../shared/reference/targets-and-prices.md §1),
// so a `--profile fast` run lands in the Fast tier however fast it is played.

import type { Levers } from '../core/cluster.ts';
import { phaseBudgetMs, STAGE_TARGET_MS, TIER_ORDER, type PhaseId, type TierId } from '../core/tiers.ts';
import { uniform, type Rng } from '../core/rng.ts';

/** Which speed levers a tier profile implies (seed 000: what moves a deployment between tiers). */
export const PROFILE_LEVERS: Record<TierId, Levers> = {
  slow: { cachedModel: false, prePulledImage: false, warmNode: false, parallelLoadBalancer: false, sizedProbes: false },
  typical: { cachedModel: false, prePulledImage: false, warmNode: false, parallelLoadBalancer: false, sizedProbes: true },
  fast: { cachedModel: true, prePulledImage: false, warmNode: true, parallelLoadBalancer: true, sizedProbes: true },
  ultra: { cachedModel: true, prePulledImage: true, warmNode: true, parallelLoadBalancer: true, sizedProbes: true },
};

export interface SimTimings {
  phases: Record<PhaseId, number>;
  cleanup: { release: number; pods: number; service: number; pvc: number };
}

/** Fraction of the budget a simulated phase takes: comfortably inside, with some spread. */
const LO = 0.55;
const HI = 0.85;

export function drawTimings(profile: TierId, rng: Rng): SimTimings {
  const phase = (id: PhaseId) => {
    const budget = phaseBudgetMs(id, profile);
    // A zero budget means "warm node": a scheduler round-trip of a few seconds.
    if (budget === 0) return uniform(rng, 2_000, 8_000);
    return uniform(rng, LO, HI) * budget;
  };
  const phases = {
    gpuNode: phase('gpuNode'),
    imagePull: phase('imagePull'),
    modelDownload: phase('modelDownload'),
    nimStartup: phase('nimStartup'),
    loadBalancer: phase('loadBalancer'),
    healthCheck: 0, // measured for real by the cycle's health probe
  };
  // The seed's per-phase budgets do not add up to its deploy targets (Fast: 9 min of budgets for a
  // 12-minute target, which Ultra-Fast's 8 minutes already covers). The deploy total is what users
  // compare, so scale the pod phases until the total lands inside this tier's deploy window
  // (slower than the next faster tier, within this one); a phase may then miss its own budget,
  // as phases do on real clusters.
  const i = TIER_ORDER.indexOf(profile);
  const hi = STAGE_TARGET_MS.deploy[profile];
  const lo = i > 0 ? STAGE_TARGET_MS.deploy[TIER_ORDER[i - 1]] : 0;
  const lbSerial = PROFILE_LEVERS[profile].parallelLoadBalancer ? 0 : phases.loadBalancer;
  const scalable = phases.imagePull + phases.modelDownload + phases.nimStartup;
  const total = phases.gpuNode + scalable + lbSerial;
  const want = uniform(rng, lo + 0.15 * (hi - lo), hi - 0.1 * (hi - lo));
  if (total < lo || total > hi * 0.95) {
    const k = Math.max(0.05, (want - phases.gpuNode - lbSerial) / scalable);
    phases.imagePull *= k;
    phases.modelDownload *= k;
    phases.nimStartup *= k;
  }
  // Cleanup steps share the tier's cleanup target; the LB deletion dominates, as on OCI.
  const budget = STAGE_TARGET_MS.cleanup[profile] * uniform(rng, LO, HI);
  return {
    phases,
    cleanup: { release: budget * 0.1, pods: budget * 0.3, service: budget * 0.5, pvc: budget * 0.1 },
  };
}

/** Time scale that plays a profile's deploy in about `targetSeconds` of real time. */
export function autoTimeScale(profile: TierId, targetSeconds = 15): number {
  return Math.max(1, Math.round(STAGE_TARGET_MS.deploy[profile] / 1000 / targetSeconds));
}
