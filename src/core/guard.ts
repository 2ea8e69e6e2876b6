// Cost and time guards. Pure arithmetic; the cycle enforces them (refuses before deploying, stops
// the sweep and cleans up when reached) and records each decision as a 'guard' event.

import type { EventBody } from './events.ts';
import { formatUsd } from './cost.ts';
import { durationText } from './format.ts';

export type GuardEvent = Extract<EventBody, { type: 'guard' }>;

export type BudgetCheck = { ok: true; message: string } | { ok: false; message: string };

/** Before deploying: refuse when the projected cycle cost exceeds the budget (or cannot be priced). */
export function checkBudgetBeforeDeploy(o: { projectedUsd: number; budgetUsd?: number; unknownItems?: string[] }): BudgetCheck {
  if (o.budgetUsd === undefined) return { ok: true, message: 'no budget set' };
  if (o.unknownItems?.length) {
    return { ok: false, message: `refusing to deploy: --budget ${formatUsd(o.budgetUsd)} cannot be checked, the price table has no price for ${o.unknownItems.join(', ')}` };
  }
  if (o.projectedUsd > o.budgetUsd) {
    return { ok: false, message: `refusing to deploy: projected cycle cost ${formatUsd(o.projectedUsd)} exceeds --budget ${formatUsd(o.budgetUsd)}` };
  }
  return { ok: true, message: `projected ${formatUsd(o.projectedUsd)} within --budget ${formatUsd(o.budgetUsd)}` };
}

/**
 * During the run: true once the cost so far, plus what cleanup will still cost at the current
 * burn rate, reaches the budget — so stopping then keeps the whole cycle within it.
 */
export function budgetReached(costUsd: number, budgetUsd: number | undefined, reserve: { runningUsdPerHour: number; cleanupMs: number } = { runningUsdPerHour: 0, cleanupMs: 0 }): boolean {
  if (budgetUsd === undefined) return false;
  const cleanupUsd = (reserve.runningUsdPerHour * reserve.cleanupMs) / 3_600_000;
  return costUsd + cleanupUsd >= budgetUsd;
}

export function timeBoxReached(elapsedMs: number, maxDurationMs: number | undefined): boolean {
  return maxDurationMs !== undefined && elapsedMs >= maxDurationMs;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** '90m', '1h30m', '45s', '1.5h', '500ms' → ms; null for anything else (a bare number is ambiguous). */
export function parseDuration(s: string): number | null {
  const text = s.trim().toLowerCase();
  if (!text) return null;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/y;
  let total = 0;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return null;
    total += Number(m[1]) * UNIT_MS[m[2]];
    pos = re.lastIndex;
  }
  return total > 0 ? total : null;
}

/** Seed 000's cost target: stay at or under 80% of the daily budget. */
export const DAILY_BUDGET_WARN_SHARE = 0.8;

export interface DailyBudgetStatus {
  level: 'ok' | 'warn' | 'over';
  /** (spent today + this run's projection) / daily budget. */
  share: number;
  message: string;
}

export function dailyBudgetStatus(o: { spentTodayUsd: number; projectedUsd: number; dailyBudgetUsd?: number }): DailyBudgetStatus | null {
  if (o.dailyBudgetUsd === undefined || !(o.dailyBudgetUsd > 0)) return null;
  const after = o.spentTodayUsd + o.projectedUsd;
  const share = after / o.dailyBudgetUsd;
  const pct = Math.round(share * 100);
  const what = `${formatUsd(o.spentTodayUsd)} spent today + ${formatUsd(o.projectedUsd)} projected = ${pct}% of the daily budget ${formatUsd(o.dailyBudgetUsd)}`;
  if (share > 1) return { level: 'over', share, message: `over the daily budget: ${what}` };
  if (share >= DAILY_BUDGET_WARN_SHARE) return { level: 'warn', share, message: `above the 80% target: ${what}` };
  return { level: 'ok', share, message: what };
}

/** Sum of the cost of sessions that started on the same local calendar day as `day`. */
export function spentOnDay(sessions: { date: string; costUsd: number }[], day: Date): number {
  const key = day.toDateString();
  let sum = 0;
  for (const s of sessions) {
    const d = new Date(s.date);
    if (!Number.isNaN(d.getTime()) && d.toDateString() === key && Number.isFinite(s.costUsd)) sum += s.costUsd;
  }
  return sum;
}

// The guard events the cycle emits, worded once here so the session says the same thing everywhere.
export function budgetStopEvent(costUsd: number, budgetUsd: number): GuardEvent {
  return { type: 'guard', kind: 'budget', action: 'stopped', message: `budget reached: ${formatUsd(costUsd)} of --budget ${formatUsd(budgetUsd)} spent (cleanup reserved); sweep stopped, cleaning up` };
}

export function timeBoxStopEvent(elapsedMs: number, maxDurationMs: number): GuardEvent {
  return { type: 'guard', kind: 'time-box', action: 'stopped', message: `time box reached: ${durationText(elapsedMs)} of --max-duration ${durationText(maxDurationMs)}; sweep stopped, cleaning up` };
}

export function refusedEvent(check: BudgetCheck): GuardEvent {
  return { type: 'guard', kind: 'budget', action: 'refused', message: check.message };
}

export function dailyBudgetEvent(status: DailyBudgetStatus): GuardEvent {
  return { type: 'guard', kind: 'daily-budget', action: 'warned', message: status.message };
}
