// What nimble leaves in the cluster on purpose is said in the plain output, twice: when cleanup
// finishes and in the closing summary (the last thing a user reads).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PRICE_TABLE } from '../core/cost.ts';
import type { NimbleEvent } from '../core/events.ts';
import { reduceAll } from '../core/session-state.ts';
import { summarizeSession } from '../core/session-summary.ts';
import { fixtureEvents } from '../sessions/fixtures.ts';
import { formatKept } from '../commands/status.ts';
import { plainLines, summaryLines } from './plain.ts';

const kept = [
  { kind: 'secret' as const, name: 'ngc-api', namespace: 'nimble', detail: 'holds the NGC API key; kept on request', hourlyUsd: 0 },
  { kind: 'namespace' as const, name: 'nimble', namespace: 'nimble', detail: 'created by nimble; it holds the kept NGC secrets', hourlyUsd: 0 },
];

test('kept secrets and namespace are listed when cleanup finishes and in the summary', () => {
  const events = fixtureEvents().map((e): NimbleEvent => (e.type === 'cleanup.finished' ? { ...e, report: { ...e.report, kept } } : e));
  const i = events.findIndex((e) => e.type === 'cleanup.finished');
  assert.ok(i > 0);
  const before = reduceAll(events.slice(0, i));
  const after = reduceAll(events.slice(0, i + 1));
  const lines = plainLines(before, events[i], after).join('\n');
  assert.match(lines, /kept secret\/ngc-api in nimble: holds the NGC API key; kept on request/);
  assert.match(lines, /kept namespace\/nimble in nimble: created by nimble; it holds the kept NGC secrets/);
  const summary = summaryLines(summarizeSession(reduceAll(events), DEFAULT_PRICE_TABLE)).join('\n');
  assert.match(summary, /left in the cluster: secret nimble\/ngc-api \(holds the NGC API key; kept on request\)/);
  assert.match(summary, /left in the cluster: namespace nimble\/nimble/);
});

test('nimble status lists kept secrets and namespaces apart from what costs money', () => {
  const text = formatKept(kept);
  assert.match(text, /Also left by nimble \(no running cost\):/);
  assert.match(text, /secret +nimble\/ngc-api +holds the NGC API key/);
  assert.match(text, /namespace +nimble +created by nimble/);
  assert.equal(formatKept([]), '');
});

test('nimble run removes the NGC secrets and its namespace unless --keep-secrets', async () => {
  const { runCleanupOptions } = await import('../commands/run.ts');
  assert.deepEqual(runCleanupOptions({ keepCache: false, keepSecrets: false }), { keepCache: false, removeSecrets: true, removeNamespace: true });
  assert.deepEqual(runCleanupOptions({ keepCache: true, keepSecrets: true }), { keepCache: true, removeSecrets: false, removeNamespace: true });
});
