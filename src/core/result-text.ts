// How a result is said, in one place: a percentile with its sample count and interval, a level's
// outcome, a breaking point with its bracket, and the sweep's answer as a whole. Every screen and
// file (TUI, plain, JSON readers, sessions list, compare, export, validate) uses these. Pure.
import { latencyText } from './format.ts';
import { minSamplesForQuantile } from './stats.ts';
import { answerStatus, levelOutcome } from './sweep.ts';
import type { BreakingPoint, LevelResult, Percentiles, ShapeId } from './sweep-types.ts';

type Q = 'p50' | 'p95' | 'p99';
const Q_VALUE: Record<Q, number> = { p50: 0.5, p95: 0.95, p99: 0.99 };

/** "1 user", "8 users". */
export function usersText(n: number): string {
  return `${n} user${n === 1 ? '' : 's'}`;
}

/** A latency as every view prints it (the one latency formatter: ./format.ts). */
export const msText = latencyText;

/** Samples a percentile needs before it is an estimate (a one-sided 95% bound exists). */
export function enoughFor(p: Pick<Percentiles, 'n'>, q: Q): boolean {
  return p.n >= minSamplesForQuantile(Q_VALUE[q]);
}

/**
 * A percentile as shown: "1.99 s" (short) or "1.99 s (90% CI 1.90 s–2.10 s, n=400)" (long); where n
 * is too small, "n<59" (short) or "— (n=3; p95 needs ≥ 59 samples)" (long) — never a number.
 */
export function quantileText(p: Percentiles | undefined, q: Q, long = false): string {
  if (!p) return '—';
  // Imported results may not say how many samples they rest on.
  if (!Number.isFinite(p.n)) return long ? `${msText(p[q])} (n unknown)` : msText(p[q]);
  if (!p.n) return '—';
  const need = minSamplesForQuantile(Q_VALUE[q]);
  if (p.n < need) return long ? `— (n=${p.n}; ${q} needs ≥ ${need} samples)` : `n<${need}`;
  const v = msText(p[q]);
  if (!long) return v;
  const ci = p.ci?.[q];
  if (!ci) return `${v} (n=${p.n})`;
  const [lo, hi] = ci;
  return `${v} (${Math.round(p.ci!.confidence * 100)}% CI ${lo === null ? '−∞' : msText(lo)}–${hi === null ? '∞' : msText(hi)}, n=${p.n})`;
}

export function outcomeLabel(l: Pick<LevelResult, 'outcome' | 'valid' | 'verdict'>): string {
  return { pass: 'pass', break: 'BREAK', inconclusive: 'INCONCLUSIVE' }[levelOutcome(l)];
}

/** "INCONCLUSIVE: too few samples: …", "BREAK: server queue", "pass: TTFT p95 …". */
export function outcomeText(l: LevelResult): string {
  const why = l.outcomeWhy ?? (l.valid ? l.brokeBy.join(', ') : `invalid: ${l.invalidReasons.join('; ')}`);
  return why ? `${outcomeLabel(l)}: ${why}` : outcomeLabel(l);
}

/** Short form for tables: "48 (→56)", "≥ 256", "≥ 32 client-limited", "no answer". */
export function breakingPointShort(bp: BreakingPoint): string {
  switch (answerStatus(bp)) {
    case 'found':
      return bp.lastPassing > 0 ? `${bp.lastPassing}–${bp.firstFailing}` : `<${bp.firstFailing}`;
    case 'not-reached':
      return `≥${bp.lastPassing}`;
    case 'client-limited':
      return bp.lastPassing > 0 ? `≥${bp.lastPassing} (client-limited)` : 'no answer (client-limited)';
    case 'no-answer':
      return 'no answer';
  }
}

/** The headline as views show it: "48–56 users", "≥ 32 users (client-limited)", "no answer". */
export function breakingPointHeadline(bp: BreakingPoint): string {
  const short = breakingPointShort(bp);
  return breakingPointUsers(bp) === null ? short : short.replace(/^([^ ]+)/, (n) => `${n} users`);
}

/** The headline number alone, or null where there is none to state. */
export function breakingPointUsers(bp: BreakingPoint): number | null {
  const st = answerStatus(bp);
  return st === 'no-answer' || (st === 'client-limited' && bp.lastPassing === 0) ? null : bp.lastPassing;
}

/** What follows the short headline: the bracket (or why there is none) and what limited it. */
export function breakingPointDetail(bp: BreakingPoint): string {
  const left = bp.inconclusive ? ` · ${bp.inconclusive} inconclusive level${bp.inconclusive > 1 ? 's' : ''} left out` : '';
  switch (answerStatus(bp)) {
    case 'found':
      if (bp.lastPassing === 0) return `${bp.firstFailing} break${bp.firstFailing === 1 ? 's' : ''} by the ${bp.rule ?? '?'} rule, no valid pass below${left}`;
      return `${bp.lastPassing} pass, ${bp.firstFailing} break by the ${bp.rule ?? '?'} rule · ±${bp.resolution} · limited by ${bp.limitedBy}${left}`;
    case 'not-reached':
      return `${bp.lastPassing} pass${bp.why ? `; ${bp.why}` : ', no break up to the sweep maximum'}${left}`;
    case 'client-limited':
      return `limited by this client: ${bp.why ?? 'it could not drive more load faithfully'} — ${bp.advice ?? 'use fewer streams or another machine'}${left}`;
    case 'no-answer':
      return bp.why ?? 'no level gave a valid, decided result';
  }
}

/** The breaking point said in full, with its bracket (or why there is none and what to do). */
export function breakingPointText(bp: BreakingPoint): string {
  const detail = breakingPointDetail(bp);
  switch (answerStatus(bp)) {
    case 'found':
      return bp.lastPassing === 0 ? `under ${bp.firstFailing} user${bp.firstFailing === 1 ? '' : 's'} (${detail})` : `${bp.lastPassing} users (${detail})`;
    case 'not-reached':
      return `≥ ${bp.lastPassing} users (${detail})`;
    case 'client-limited':
      return `${bp.lastPassing > 0 ? `≥ ${bp.lastPassing} users` : 'no answer'} (${detail})`;
    case 'no-answer':
      return `no answer: ${detail}`;
  }
}

export interface SweepAnswer {
  /** answered: every shape has a found/not-reached answer; limited: some are client-limited; none: some have no valid result. */
  status: 'answered' | 'limited' | 'none';
  lines: string[];
}

/** The sweep as a whole, for the session's status and exit code. */
export function sweepAnswer(bps: Partial<Record<ShapeId, BreakingPoint>>): SweepAnswer {
  const entries = Object.entries(bps).filter((e): e is [string, BreakingPoint] => !!e[1]);
  const sts = entries.map(([, bp]) => answerStatus(bp));
  // A client-limited sweep is inconclusive (a lower bound, or nothing this machine could vouch
  // for), not a failure of the server: 'limited'. Only a sweep with no valid result at all is 'none'.
  const status = sts.includes('no-answer') ? 'none' : sts.includes('client-limited') ? 'limited' : 'answered';
  return { status, lines: entries.map(([shape, bp]) => `${shape}: ${breakingPointText(bp)}`) };
}

/**
 * A shape whose sweep stopped before it judged a breaking point (aborted, failed, time box): what
 * its measured levels do say, e.g. "≥ 8 users so far (2 levels measured; stopped before a break)".
 * "not measured" only where no level of the shape was measured.
 */
export function unfinishedSweepText(levels: Pick<LevelResult, 'shape' | 'concurrency' | 'outcome' | 'valid' | 'verdict'>[], shape: ShapeId): string {
  const mine = levels.filter((l) => l.shape === shape);
  if (!mine.length) return 'not measured';
  const n = `${mine.length} level${mine.length === 1 ? '' : 's'} measured`;
  const passed = mine.filter((l) => levelOutcome(l) === 'pass').map((l) => l.concurrency);
  const broke = mine.filter((l) => levelOutcome(l) === 'break').map((l) => l.concurrency);
  const best = passed.length ? Math.max(...passed) : null;
  const firstBreak = broke.length ? Math.min(...broke) : null;
  if (best !== null && firstBreak !== null && firstBreak > best) return `${best}–${firstBreak} users so far (${n}; stopped before the bracket was narrowed)`;
  if (best !== null) return `≥ ${usersText(best)} so far (${n}; stopped before a break)`;
  if (firstBreak !== null) return `under ${usersText(firstBreak)} so far (${n}, no valid pass; stopped early)`;
  return `no answer yet (${n}, none decided; stopped early)`;
}
