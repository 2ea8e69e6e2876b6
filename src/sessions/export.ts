// Export one session: a Markdown report someone can paste into a review, a CSV of the sweep levels,
// or the whole record as JSON. Pure (returns strings); the command writes them.

import { costRow, ITERATIONS_PER_MONTH } from '../core/compare.ts';
import type { NimbleEvent } from '../core/events.ts';
import { tierLabelOrDash, type SessionSummary } from '../core/session-summary.ts';
import { PHASE_LABEL, TIER_LABEL, type PhaseId } from '../core/tiers.ts';
import { validateSession } from '../core/validate.ts';
import { durationText as formatDuration, latencyText, pctText, usdText as formatUsd } from '../core/format.ts';
import { levelOutcome } from '../core/sweep.ts';
import { breakingPointText, outcomeText, quantileText } from '../core/result-text.ts';

export type ExportFormat = 'md' | 'csv' | 'json';

const known = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const f = (x: unknown, digits = 0) => (known(x) ? x.toFixed(digits) : '—');
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const row = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
const table = (head: string[], rows: string[][]) => [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');

export function sessionToMarkdown(s: SessionSummary, events: NimbleEvent[] = []): string {
  const m = s.meta;
  const out: string[] = [];
  out.push(`## nimble session ${s.id}${m.mode === 'sim' ? ' (SIMULATED)' : m.mode === 'import' ? ' (imported)' : ''}`, '');
  out.push(`**Status:** ${s.status}${s.endReason ? ` — ${s.endReason}` : ''}`, '');
  const what: [string, string][] = [
    ['Date', m.startedAt],
    ['Mode', m.mode + (m.sim ? ` (profile ${TIER_LABEL[m.sim.profile]}, ×${m.sim.timeScale}, seed ${m.sim.seed}, ${m.sim.nimProfile})` : '')],
    ['Model', m.model],
    ['GPU', `${m.gpuCount || '?'}× ${m.gpuShape}`],
    ['Target tier', TIER_LABEL[m.targetTier]],
  ];
  if (m.context) what.push(['Kube context', m.context]);
  if (m.namespace) what.push(['Namespace', m.namespace]);
  if (m.spec) {
    what.push(['Image', `${m.spec.image}:${m.spec.imageTag}`], ['Chart', m.spec.chart], ['Probe profile', m.spec.probeProfile]);
    const on = Object.entries(m.spec.levers).filter(([, v]) => v).map(([k]) => k);
    what.push(['Levers on', on.length ? on.join(', ') : 'none'], ['Keep cache', m.spec.cache.keep ? 'yes' : 'no']);
  }
  what.push(['nimble', m.nimbleVersion]);
  const flags = Object.entries(m.flags).map(([k, v]) => `--${k} ${v}`).join(' ');
  if (flags) what.push(['Flags', flags]);
  out.push(table(['', ''], what.map(([a, b]) => [a, b])), '');

  if (m.mode !== 'import') {
    out.push('### Times', '');
    out.push(table(['Stage', 'Time', 'Tier', `${TIER_LABEL[m.targetTier]} target`], (['deploy', 'test', 'cleanup', 'total'] as const).map((id) => {
      const st = s.stages[id];
      const v = validateSession(s, m.targetTier).items.find((i) => i.id === id)!;
      return [id, formatDuration(st.durationMs), tierLabelOrDash(st.tier), `${formatDuration(v.targetMs)} ${v.pass ? '✓' : '✗'}`];
    })), '');
    out.push(table(['Phase', 'Status', 'Time', 'Tier', 'Note'], s.phases.map((p) => [PHASE_LABEL[p.id as PhaseId] ?? p.id, p.status, formatDuration(p.durationMs), tierLabelOrDash(p.tier), p.note ?? ''])), '');
  }
  if (s.smoke.length) out.push('### Smoke test', '', table(['Check', 'Result', 'Took', 'Detail'], s.smoke.map((c) => [c.name, c.ok ? 'ok' : 'FAILED', latencyText(c.ms), c.detail])), '');

  const shapes = [...new Set(s.levels.map((l) => l.shape))];
  for (const shape of shapes) {
    out.push(`### Sweep — ${shape}`, '');
    out.push(table(
      ['Users', 'TTFT p50', 'TTFT p95 (90% CI, n)', 'TPOT p50', 'Output tok/s', 'Success', 'Outcome'],
      s.levels.filter((l) => l.shape === shape).map((l) => [
        String(l.concurrency), quantileText(l.ttft, 'p50'), quantileText(l.ttft, 'p95', true), quantileText(l.tpot, 'p50'), f(l.outputTokPerS, 1),
        pctText(l.successRate),
        outcomeText(l),
      ]),
    ), '');
    const bp = s.breakingPoints[shape];
    const e = s.economics[shape];
    if (bp) out.push(`**Breaking point:** ${breakingPointText(bp)}`);
    else out.push('**Breaking point:** not judged');
    if (e) out.push(`**Capacity:** ${f(e.outputTokPerSPerGpu)} output tok/s per GPU · ${formatUsd(e.usdPerMillionOutputTokens)} per million output tokens (${e.priceTable})`);
    out.push('');
  }

  if (m.mode !== 'import') {
    const c = costRow(s);
    out.push(`### Cost (price table ${s.cost.priceTable})`, '');
    out.push(table(['Item', 'Quantity', 'Time', 'Rate/h', 'Cost'], s.cost.lines.map((l) => [l.label, String(l.quantity), formatDuration(l.hours * 3_600_000), formatUsd(l.usdPerHour), formatUsd(l.usd)])));
    out.push('', `**This cycle:** ${formatUsd(c.deploymentUsd)} · **per iteration** (${c.iteration}${c.keptCacheMonthlyUsd ? `, kept cache ${formatUsd(c.keptCacheMonthlyUsd)}/month over ${ITERATIONS_PER_MONTH}` : ''}): ${formatUsd(c.iterationUsd)}`);
    if (s.cost.unknown.length) out.push(`Unpriced (not counted): ${s.cost.unknown.join(', ')}`);
    if (s.cleanup) out.push(`Cleanup: ${s.cleanup.ok ? 'verified' : 'INCOMPLETE'}${s.cleanup.leftovers.length ? ` — left: ${s.cleanup.leftovers.map((l) => `${l.kind} ${l.name}`).join(', ')}` : ''}`);
    out.push('');
  }
  const notes = [
    ...s.guards.map((g) => `guard (${g.kind}, ${g.action}): ${g.message}`),
    ...s.errors.map((e) => `error (${e.where}): ${e.message}${e.hint ? ` — ${e.hint}` : ''}`),
    ...events.filter((e) => e.type === 'log' && e.source === 'import' && e.level === 'warn').map((e) => (e as { line: string }).line),
  ];
  if (notes.length) out.push('### Notes', '', ...notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}

const CSV_COLUMNS = [
  'shape', 'concurrency', 'window_s', 'completed', 'failed', 'success_rate', 'ttft_p50_ms', 'ttft_p90_ms', 'ttft_p95_ms', 'ttft_p99_ms',
  'tpot_p50_ms', 'tpot_p95_ms', 'itl_p50_ms', 'e2el_p50_ms', 'e2el_p95_ms', 'req_per_s', 'output_tok_per_s', 'total_tok_per_s', 'goodput_req_per_s',
  'queued_share', 'kv_cache_max', 'valid', 'verdict', 'broke_by', 'invalid_reasons',
  'ttft_n', 'ttft_p95_ci_low_ms', 'ttft_p95_ci_high_ms', 'outcome', 'outcome_why', 'client_busy_share', 'client_us_per_token',
] as const;

/** One row per sweep level; an unknown value is an empty cell, never 0. */
export function levelsToCsv(s: SessionSummary): string {
  const q = (v: unknown): string => {
    if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
    const str = String(v);
    return /[",\n]/.test(str) ? `"${str.replace(/"/g, '""')}"` : str;
  };
  const lines = [CSV_COLUMNS.join(',')];
  for (const l of s.levels) {
    lines.push([
      l.shape, l.concurrency, l.windowMs / 1000, l.completed, l.failed, l.successRate, l.ttft.p50, l.ttft.p90, l.ttft.p95, l.ttft.p99,
      l.tpot.p50, l.tpot.p95, l.itl.p50, l.e2el.p50, l.e2el.p95, l.reqPerS, l.outputTokPerS, l.totalTokPerS, l.goodput,
      l.server.queuedShare, l.server.kvCacheMax, l.valid, l.verdict, l.brokeBy.join(' '), l.invalidReasons.join('; '),
      l.ttft.n, l.ttft.ci?.p95[0], l.ttft.ci?.p95[1], levelOutcome(l), l.outcomeWhy ?? '', l.client?.busyShare, l.client?.cpuUsPerToken,
    ].map(q).join(','));
  }
  return lines.join('\n') + '\n';
}

export function exportSession(summary: SessionSummary, events: NimbleEvent[], format: ExportFormat): string {
  if (format === 'md') return sessionToMarkdown(summary, events);
  if (format === 'csv') return levelsToCsv(summary);
  return JSON.stringify({ summary, events }, null, 2) + '\n';
}
