import { test } from 'node:test';
import assert from 'node:assert/strict';
import { budgetReached, budgetStopEvent, checkBudgetBeforeDeploy, dailyBudgetStatus, parseDuration, spentOnDay, timeBoxReached, timeBoxStopEvent } from './guard.ts';

test('refuses to deploy when the projection exceeds the budget', () => {
  assert.equal(checkBudgetBeforeDeploy({ projectedUsd: 4.99, budgetUsd: 5 }).ok, true);
  assert.equal(checkBudgetBeforeDeploy({ projectedUsd: 5, budgetUsd: 5 }).ok, true);
  const r = checkBudgetBeforeDeploy({ projectedUsd: 5.01, budgetUsd: 5 });
  assert.equal(r.ok, false);
  assert.match(r.message, /\$5\.01 exceeds --budget \$5\.00/);
  assert.equal(checkBudgetBeforeDeploy({ projectedUsd: 100 }).ok, true, 'no budget, no refusal');
  assert.equal(checkBudgetBeforeDeploy({ projectedUsd: 0, budgetUsd: 5, unknownItems: ['mystery-gpu'] }).ok, false, 'unpriced: cannot promise');
});

test('budget reached counts what cleanup will still cost', () => {
  assert.equal(budgetReached(4.9, 5), false);
  assert.equal(budgetReached(5, 5), true);
  assert.equal(budgetReached(100, undefined), false);
  // $2/h burn, 3 min cleanup = $0.10 still to come.
  assert.equal(budgetReached(4.89, 5, { runningUsdPerHour: 2, cleanupMs: 180_000 }), false);
  assert.equal(budgetReached(4.9, 5, { runningUsdPerHour: 2, cleanupMs: 180_000 }), true);
});

test('time box', () => {
  assert.equal(timeBoxReached(59_999, 60_000), false);
  assert.equal(timeBoxReached(60_000, 60_000), true);
  assert.equal(timeBoxReached(1e9, undefined), false);
});

test('durations', () => {
  assert.equal(parseDuration('90m'), 90 * 60_000);
  assert.equal(parseDuration('1h30m'), 90 * 60_000);
  assert.equal(parseDuration('45s'), 45_000);
  assert.equal(parseDuration('1.5h'), 90 * 60_000);
  assert.equal(parseDuration('2m30s'), 150_000);
  assert.equal(parseDuration('250ms'), 250);
  for (const bad of ['', '90', 'm', '1x', '1h 30m', '-5m', '0s']) assert.equal(parseDuration(bad), null, bad);
});

test('daily budget warns at 80% and says over above 100%', () => {
  assert.equal(dailyBudgetStatus({ spentTodayUsd: 10, projectedUsd: 5, dailyBudgetUsd: undefined }), null);
  assert.equal(dailyBudgetStatus({ spentTodayUsd: 10, projectedUsd: 5, dailyBudgetUsd: 20 })!.level, 'ok'); // 75%
  const w = dailyBudgetStatus({ spentTodayUsd: 11, projectedUsd: 5, dailyBudgetUsd: 20 })!; // 80%
  assert.equal(w.level, 'warn');
  assert.match(w.message, /80% of the daily budget \$20\.00/);
  assert.equal(dailyBudgetStatus({ spentTodayUsd: 18, projectedUsd: 5, dailyBudgetUsd: 20 })!.level, 'over');
});

test('spent today sums only today', () => {
  const now = new Date(2026, 10, 23, 15, 0, 0);
  const rows = [
    { date: new Date(2026, 10, 23, 9, 0).toISOString(), costUsd: 3.25 },
    { date: new Date(2026, 10, 23, 14, 0).toISOString(), costUsd: 1.5 },
    { date: new Date(2026, 10, 22, 23, 0).toISOString(), costUsd: 100 },
    { date: 'garbage', costUsd: 7 },
  ];
  assert.equal(spentOnDay(rows, now), 4.75);
});

test('guard events say what happened', () => {
  const b = budgetStopEvent(4.95, 5);
  assert.equal(b.action, 'stopped');
  assert.match(b.message, /\$4\.95 of --budget \$5\.00/);
  assert.match(timeBoxStopEvent(30 * 60_000, 30 * 60_000).message, /30m00s of --max-duration 30m00s/);
});
