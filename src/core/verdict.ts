// A level's answer (pass / break / inconclusive, and why) and the breaking point built from the
// valid, decided ones. Pure; src/core/sweep.ts re-exports these.
import type { BreakingPoint, BreakRule, LevelOutcome, LevelResult, ShapeId } from './sweep-types.ts';
import { DEFAULT_SLA, type SlaConfig } from './sla.ts';
import { minSamplesForQuantile } from './stats.ts';
import { bracket, defaultResolution, fmtPct, fmtS, type LevelMeasurement } from './sweep.ts';
import { CLIENT_LIMIT_ADVICE } from './validity.ts';
import { latencyText } from './format.ts';

const ms = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '?' : latencyText(x));

/**
 * pass / break / inconclusive, and why. A level passes only when valid and its TTFT p95 upper
 * bound is under the limit (≥ 59 samples at 95%); a TTFT break needs the lower bound over it (or
 * an early stop that saw it); queue and error-rate breaks come from the server and the counts.
 */
export function levelDecision(m: LevelMeasurement, brokeBy: BreakRule[], invalidReasons: string[], sla: SlaConfig = DEFAULT_SLA): { outcome: LevelOutcome; why: string } {
  // A failure rate clearly over the limit does not depend on the client's timing: it stands even
  // where the client could not drive the level faithfully (a tight loop of instant 500s).
  if (m.early === 'above' && m.stopRule === 'success' && brokeBy.includes('success'))
    return { outcome: 'break', why: `success under ${fmtPct(sla.successBreak)} (${m.completed} of ${m.completed + m.failed} ok; failure rate clearly over the limit)` };
  if (invalidReasons.length) return { outcome: 'inconclusive', why: `invalid: ${invalidReasons.join('; ')}` };
  const limit = sla.ttftBreakMs;
  const [low, high] = m.ttft.ci?.p95 ?? [null, null];
  const ciText = `${Math.round((m.ttft.ci?.confidence ?? 0.9) * 100)}% CI ${ms(low)}–${high === null ? '∞' : ms(high)}, n=${m.ttft.n}`;
  const ttftDecided = (low !== null && low > limit) || (m.early === 'above' && m.stopRule === 'ttft');
  const decided = brokeBy.filter((r) => r !== 'ttft' || ttftDecided);
  const label: Record<BreakRule, string> = { queue: 'server queue', ttft: `TTFT p95 over ${fmtS(limit)}`, success: `success under ${fmtPct(sla.successBreak)}` };
  if (decided.length) return { outcome: 'break', why: decided.map((r) => label[r] + (r === 'ttft' ? ` (${ciText})` : r === 'success' ? ` (${m.completed} of ${m.completed + m.failed} ok)` : '')).join(', ') };
  if (brokeBy.includes('ttft')) return { outcome: 'inconclusive', why: `TTFT p95 ${ms(m.ttft.p95)} is over ${fmtS(limit)} but not clearly (${ciText})` };
  if (m.completed === 0) return { outcome: 'inconclusive', why: m.failed ? `no request succeeded (${m.failed} failed)` : 'nothing completed: no request finished in the level' };
  if (high !== null && high < limit) return { outcome: 'pass', why: `TTFT p95 under ${fmtS(limit)} with 95% confidence (${ciText})` };
  const need = minSamplesForQuantile(0.95, 0.95);
  if (m.ttft.n < need) return { outcome: 'inconclusive', why: `too few samples: ${m.ttft.n} TTFT, a p95 bound needs ≥ ${need}` };
  return { outcome: 'inconclusive', why: `TTFT p95 undecided at the time cap (${ciText}, limit ${fmtS(limit)})` };
}

/** A level's outcome; sessions written before outcomes existed: invalid levels are inconclusive. */
export function levelOutcome(l: Pick<LevelResult, 'outcome' | 'valid' | 'verdict'>): LevelOutcome {
  return l.outcome ?? (l.valid === false ? 'inconclusive' : l.verdict);
}

/** How far a breaking point answers (old sessions have no status: derived from the bracket). */
export function answerStatus(bp: Pick<BreakingPoint, 'status' | 'firstFailing'>): NonNullable<BreakingPoint['status']> {
  return bp.status ?? (bp.firstFailing !== null ? 'found' : 'not-reached');
}

/**
 * The breaking point from a shape's levels. "Which rule tripped first" is the first rule (in
 * breakRules' order) at the lowest failing level.
 */
export function breakingPoint(
  shape: ShapeId,
  levels: LevelResult[],
  resolution?: number,
  resolutionShare?: number,
  clientLimit?: { why: string; advice?: string },
): BreakingPoint {
  // Only valid, decided levels bracket the answer.
  const decided = levels.filter((l) => levelOutcome(l) !== 'inconclusive');
  const { lastPassing, firstFailing } = bracket(decided.map((l) => ({ concurrency: l.concurrency, pass: levelOutcome(l) === 'pass' })));
  const fail = firstFailing === null ? null : decided.find((l) => l.concurrency === firstFailing && levelOutcome(l) === 'break') ?? null;
  const rule = fail?.brokeBy[0] ?? null;
  const bp: BreakingPoint = {
    shape,
    lastPassing,
    firstFailing,
    rule,
    resolution: firstFailing === null ? resolution ?? defaultResolution(lastPassing, resolutionShare) : Math.max(1, firstFailing - lastPassing),
    limitedBy: fail ? limitedBy(fail) : 'max-concurrency',
    status: firstFailing !== null ? 'found' : 'not-reached',
    inconclusive: levels.length - decided.length,
  };
  const above = levels.filter((l) => l.concurrency > lastPassing && levelOutcome(l) === 'inconclusive');
  if (firstFailing === null && above.length && !clientLimit) bp.why = `${above.map((l) => l.concurrency).join(', ')} users inconclusive (${above[above.length - 1].outcomeWhy ?? 'invalid'})`;
  if (firstFailing === null && clientLimit) {
    Object.assign(bp, { status: 'client-limited', limitedBy: 'client', why: clientLimit.why, advice: clientLimit.advice ?? CLIENT_LIMIT_ADVICE });
  } else if (decided.length === 0) {
    // Nothing valid and decided: no answer, whatever the raw numbers said.
    const whys = levels.map((l) => l.outcomeWhy ?? (l.invalidReasons.length ? `invalid: ${l.invalidReasons.join('; ')}` : 'undecided'));
    const common = mostCommon(whys);
    Object.assign(bp, {
      status: 'no-answer',
      limitedBy: 'unknown',
      why: levels.length ? `no level gave a valid, decided result (${levels.length} inconclusive${common ? `; e.g. ${common}` : ''})` : 'no level was measured',
    });
  }
  return bp;
}

function mostCommon(xs: string[]): string | null {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  let best: string | null = null;
  for (const [k, n] of counts) if (best === null || n > counts.get(best)!) best = k;
  return best;
}

/** What limited capacity, from the first failing level's readings. */
export function limitedBy(fail: LevelResult): BreakingPoint['limitedBy'] {
  if (fail.brokeBy.includes('success')) return 'errors';
  if (fail.server.kvCacheMax !== null && fail.server.kvCacheMax >= 0.95) return 'kv-cache';
  const rules: BreakRule[] = fail.brokeBy;
  if (rules.includes('queue') || (fail.server.waitingMax ?? 0) > 0) return 'queueing';
  if (rules.includes('ttft')) return fail.server.waitingMax === null ? 'unknown' : 'decode-speed';
  return 'unknown';
}
