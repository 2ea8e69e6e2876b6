// Validate a session against a tier's targets (seed 000, ../shared/reference/targets-and-prices.md
// §1), and many sessions against the reliability targets. Pure. `nimble validate` exits 0 only
// when every counted item passes, so it can gate CI: 1 when one misses, 3 when nothing misses but
// an answer is inconclusive (the breaking point is client-limited or missing), 2 on bad usage.

import type { SessionSummary } from './session-summary.ts';
import { answerStatus } from './sweep.ts';
import { breakingPointText } from './result-text.ts';
import { budgetText, durationText as formatDuration, pctText } from './format.ts';
import { PHASE_LABEL, RELIABILITY_TARGETS, STAGE_TARGET_MS, TIER_LABEL, TIER_SUCCESS_TOTAL_MS, phaseBudgetMs, type PhaseId, type StageId, type TierId } from './tiers.ts';

export interface ValidationItem {
  id: string;
  label: string;
  measuredMs: number | null;
  targetMs: number;
  pass: boolean;
  /** Items that decide the verdict; per-phase budgets are shown for guidance only. */
  counts: boolean;
  /** Neither pass nor miss: the measurement behind it cannot decide (e.g. a client-limited sweep). */
  inconclusive?: boolean;
  detail: string;
}

export interface SessionValidation {
  sessionId: string;
  tier: TierId;
  items: ValidationItem[];
  pass: boolean;
  /** pass: every counted item passes (exit 0); miss: one fails (1); inconclusive: none fails, one cannot decide (3). */
  verdict: 'pass' | 'miss' | 'inconclusive';
}

/** `nimble validate`'s exit code for a verdict. */
export const VALIDATE_EXIT: Record<SessionValidation['verdict'], number> = { pass: 0, miss: 1, inconclusive: 3 };

const STAGE_LABEL: Record<StageId, string> = { deploy: 'Deploy', test: 'Test', cleanup: 'Cleanup', total: 'Total cycle' };

export function validateSession(s: SessionSummary, tier: TierId): SessionValidation {
  const items: ValidationItem[] = [];
  for (const id of ['deploy', 'test', 'cleanup', 'total'] as const) {
    const st = s.stages[id];
    const target = STAGE_TARGET_MS[id][tier];
    const measured = st.durationMs;
    let pass = measured !== null && measured <= target;
    let detail = measured === null ? 'not measured' : `${formatDuration(measured)} ${pass ? '≤' : '>'} ${formatDuration(target)}`;
    if (st.ok === false) {
      pass = false;
      detail += ` (${id} failed)`;
    }
    items.push({ id, label: `${STAGE_LABEL[id]} within ${TIER_LABEL[tier]} target`, measuredMs: measured, targetMs: target, pass, counts: true, detail });
  }
  const crit = TIER_SUCCESS_TOTAL_MS[tier];
  const total = s.stages.total.durationMs;
  const completed = s.status === 'completed';
  const critPass = completed && total !== null && total <= crit;
  items.push({
    id: 'success-criterion',
    label: `${TIER_LABEL[tier]} success criterion: completed cycle, total ≤ ${formatDuration(crit)}`,
    measuredMs: total,
    targetMs: crit,
    pass: critPass,
    counts: true,
    detail: !completed ? `session ${s.status}${s.endReason ? `: ${s.endReason}` : ''}` : total === null ? 'not measured' : `${formatDuration(total)} ${critPass ? '≤' : '>'} ${formatDuration(crit)}`,
  });
  for (const p of s.phases) {
    if (p.status === 'skipped') continue;
    const budget = phaseBudgetMs(p.id as PhaseId, tier);
    const pass = p.durationMs !== null && p.tier !== null && p.tier !== 'over' && tierRank(p.tier) <= tierRank(tier);
    items.push({
      id: `phase:${p.id}`,
      label: `${PHASE_LABEL[p.id as PhaseId] ?? p.id} phase budget`,
      measuredMs: p.durationMs,
      targetMs: budget,
      pass,
      counts: false,
      detail: p.durationMs === null ? (p.status === 'pending' ? 'not measured (phase did not run)' : `not measured (${p.status})`) : `${formatDuration(p.durationMs)} vs budget ${budgetText(budget)}`,
    });
  }
  // The sweep's answer: a breaking point is an answer only when valid, decided levels bracket it.
  for (const [shape, bp] of Object.entries(s.breakingPoints)) {
    if (!bp) continue;
    const st = answerStatus(bp);
    const ok = st === 'found' || st === 'not-reached';
    items.push({ id: `breaking-point:${shape}`, label: `Breaking point (${shape}) from valid, decided levels`, measuredMs: null, targetMs: 0, pass: ok, counts: true, inconclusive: !ok, detail: breakingPointText(bp) });
  }
  const counted = items.filter((i) => i.counts);
  const verdict = counted.some((i) => !i.pass && !i.inconclusive) ? 'miss' : counted.some((i) => i.inconclusive) ? 'inconclusive' : 'pass';
  return { sessionId: s.id, tier, items, pass: verdict === 'pass', verdict };
}

function tierRank(t: TierId): number {
  return ['ultra', 'fast', 'typical', 'slow'].indexOf(t);
}

export interface ReliabilityItem {
  id: 'deploy' | 'test' | 'cleanup' | 'cycle' | 'tier';
  label: string;
  attempts: number;
  successes: number;
  /** null when nothing was attempted. */
  rate: number | null;
  target: number;
  pass: boolean;
}

export interface Reliability {
  runs: number;
  /** Sessions left out (imports, still running), with why. */
  excluded: { id: string; reason: string }[];
  items: ReliabilityItem[];
  pass: boolean;
}

/** Success rates over many cycles vs seed 000's reliability targets (and a tier's 95% criterion). */
export function reliability(summaries: SessionSummary[], tier?: TierId): Reliability {
  const excluded: Reliability['excluded'] = [];
  const runs = summaries.filter((s) => {
    if (s.meta.mode === 'import') return void excluded.push({ id: s.id, reason: 'imported results, not a nimble cycle' });
    if (s.status === 'running') return void excluded.push({ id: s.id, reason: 'still running' });
    return true;
  });
  const count = (attempted: (s: SessionSummary) => boolean, ok: (s: SessionSummary) => boolean) => {
    const a = runs.filter(attempted);
    return { attempts: a.length, successes: a.filter(ok).length };
  };
  const deployStarted = (s: SessionSummary) => s.stages.deploy.ok !== null || s.stages.deploy.durationMs !== null || s.phases.some((p) => p.status !== 'pending');
  const rows: [ReliabilityItem['id'], string, { attempts: number; successes: number }, number][] = [
    ['deploy', 'Deployment success', count(deployStarted, (s) => s.stages.deploy.ok === true && s.stages.deploy.durationMs !== null), RELIABILITY_TARGETS.deploy],
    ['test', 'Test success', count((s) => s.stages.test.ok !== null || s.stages.test.durationMs !== null, (s) => s.stages.test.ok === true), RELIABILITY_TARGETS.test],
    [
      'cleanup',
      'Cleanup success',
      count((s) => s.stages.cleanup.ok !== null || s.cleanup !== null || deployStarted(s), (s) => s.stages.cleanup.ok === true && (s.cleanup?.ok ?? false) && (s.cleanup?.leftovers.length ?? 0) === 0),
      RELIABILITY_TARGETS.cleanup,
    ],
    ['cycle', 'Whole cycle success', count(() => true, (s) => s.status === 'completed' && s.stages.total.ok === true), RELIABILITY_TARGETS.cycle],
  ];
  if (tier) {
    const crit = TIER_SUCCESS_TOTAL_MS[tier];
    rows.push([
      'tier',
      `${TIER_LABEL[tier]}: total ≤ ${formatDuration(crit)}`,
      count(() => true, (s) => s.status === 'completed' && s.stages.total.durationMs !== null && s.stages.total.durationMs <= crit),
      0.95,
    ]);
  }
  const items = rows.map(([id, label, c, target]) => {
    const rate = c.attempts ? c.successes / c.attempts : null;
    return { id, label, ...c, rate, target, pass: rate !== null && rate >= target };
  });
  return { runs: runs.length, excluded, items, pass: items.every((i) => i.pass) };
}

export function validationToText(v: SessionValidation): string {
  const lines = [`Session ${v.sessionId} against the ${TIER_LABEL[v.tier]} tier:`];
  const labelW = Math.max(52, ...v.items.map((i) => i.label.length + 1));
  for (const i of v.items) {
    // Phase budgets are informative: a phase that never ran is not "over" its budget.
    const mark = i.counts ? (i.pass ? 'PASS' : i.inconclusive ? ' ?? ' : 'FAIL') : i.measuredMs === null ? '  — ' : i.pass ? ' ok ' : 'over';
    lines.push(`  ${mark}  ${i.label.padEnd(labelW)} ${i.detail}`);
  }
  const failed = v.items.filter((i) => i.counts && !i.pass && !i.inconclusive).length;
  const unsure = v.items.filter((i) => i.counts && i.inconclusive).length;
  if (v.verdict === 'pass') lines.push(`All ${v.items.filter((i) => i.counts).length} checks pass.`);
  else if (v.verdict === 'miss') lines.push(`${failed} check${failed === 1 ? '' : 's'} failed${unsure ? `, ${unsure} inconclusive` : ''}.`);
  else lines.push(`Inconclusive: no check failed, but ${unsure} cannot be decided from this session (?? above) — not a pass.`);
  return lines.join('\n');
}

export function reliabilityToText(r: Reliability): string {
  const lines = [`Reliability over ${r.runs} session${r.runs === 1 ? '' : 's'}:`];
  for (const i of r.items) {
    lines.push(`  ${i.pass ? 'PASS' : 'FAIL'}  ${i.label.padEnd(28)} ${`${i.successes}/${i.attempts}`.padStart(7)}  ${pctText(i.rate).padStart(6)}  target ≥ ${pctText(i.target)}`);
  }
  if (r.excluded.length) lines.push(`  (${r.excluded.length} left out: ${r.excluded.map((e) => `${e.id} — ${e.reason}`).join('; ')})`);
  return lines.join('\n');
}
