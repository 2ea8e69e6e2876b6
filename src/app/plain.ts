// Output without a terminal UI: one progressive line per thing that happened (for pipes, CI logs
// and `--plain`). Pure: formats an event given the state before and after it.

import { serverMetricsLine } from '../core/server-metrics.ts';
import { tokensLine } from '../core/workloads.ts';
import type { NimbleEvent } from '../core/events.ts';
import { phaseVerdict } from '../core/phase-tracker.ts';
import type { SessionState } from '../core/session-state.ts';
import { summarizeSession, tierLabelOrDash, type SessionSummary } from '../core/session-summary.ts';
import { formatUsd, type PriceTable } from '../core/cost.ts';
import { PHASE_LABEL, PHASE_ORDER, phaseBudgetMs, TIER_LABEL } from '../core/tiers.ts';
import { budgetText as formatBudget, durationText as formatDuration, latencyText as formatMs, pctText } from '../core/format.ts';
import { breakingPointText, outcomeText, quantileText, unfinishedSweepText } from '../core/result-text.ts';
import { figuresLines, windowLine } from '../core/pattern-format.ts';

const MARK = { pass: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;

function clock(t: number): string {
  return `[${formatDuration(t).padStart(6)}]`;
}

export function plainLines(prev: SessionState, e: NimbleEvent, next: SessionState): string[] {
  const at = clock(e.t);
  switch (e.type) {
    case 'session.started': {
      const m = e.meta;
      const mode = m.mode === 'sim' ? 'SIMULATED' : m.mode === 'cluster' ? `CLUSTER ${m.context ?? ''}/${m.namespace ?? ''}` : 'ENDPOINT';
      const sim = m.sim ? ` profile ${m.sim.profile}, time ×${m.sim.timeScale}, seed ${m.sim.seed}` : '';
      return [`nimble ${m.nimbleVersion} · ${mode} · ${m.model} on ${m.gpuCount}× ${m.gpuShape} · session ${m.id}${sim}${m.loadFrom ? ` · load from: ${m.loadFrom}` : ''}`];
    }
    case 'stage.started':
      return e.stage === 'summary' ? [] : [`${at} ▶ ${e.stage}`];
    case 'stage.ended':
      return [`${at} ${e.ok ? '✓' : '✗'} ${e.stage}${e.note ? ` (${e.note})` : ''}`];
    case 'preflight.check':
      return [`${at}   ${MARK[e.check.status]} ${e.check.label}: ${e.check.detail}${e.check.status !== 'pass' && e.check.fix ? ` → ${e.check.fix}` : ''}`];
    case 'cluster.signal': {
      const out: string[] = [];
      const target = next.meta?.targetTier ?? 'typical';
      for (const id of PHASE_ORDER) {
        const a = prev.phases[id];
        const b = next.phases[id];
        if (a.status === b.status) continue;
        if (b.status === 'running') out.push(`${at}   … ${PHASE_LABEL[id]} started${b.note ? ` (${b.note})` : ''}`);
        if (b.status === 'done') {
          const d = b.endedAt! - b.startedAt!;
          const verdict = phaseVerdict(id, b);
          out.push(
            `${at}   ✓ ${PHASE_LABEL[id]} ${formatDuration(d)} (budget ${formatBudget(phaseBudgetMs(id, target))} ${TIER_LABEL[target]}; achieved ${tierLabelOrDash(verdict)})${b.note ? ` — ${b.note}` : ''}`,
          );
        }
        if (b.status === 'failed') out.push(`${at}   ✗ ${PHASE_LABEL[id]} failed: ${b.note ?? ''}`);
        if (b.status === 'skipped') out.push(`${at}   – ${PHASE_LABEL[id]} skipped (${b.note ?? ''})`);
      }
      const s = e.signal;
      if (s.kind === 'failure') out.push(`${at}   diagnosis: ${s.diagnosis.title}: ${s.diagnosis.evidence}`, `${at}   fix: ${s.diagnosis.fix}`);
      if (s.kind === 'cleanup.step' && s.done) out.push(`${at}   ✓ ${s.step}: ${s.detail ?? ''}`);
      if (s.kind === 'k8s.event' && s.type === 'Warning') out.push(`${at}   warning ${s.reason}: ${s.message}`);
      return out;
    }
    case 'endpoint':
      return [`${at}   endpoint ${e.endpoint.baseUrl} (${e.endpoint.via})`];
    case 'smoke.check':
      return [`${at}   ${e.check.ok ? 'ok  ' : 'FAIL'} ${e.check.name} ${formatMs(e.check.ms)}: ${e.check.detail}`];
    case 'sweep.started': {
      const none = serverMetricsLine(e.serverMetrics);
      return [`${at}   shapes ${e.shapes.join(', ')}, up to ${e.maxConcurrency} users`, ...(none ? [`${at}   ${none}`] : [])];
    }
    case 'level.finished': {
      const l = e.level;
      // Percentiles with n and their interval; too few samples read as such, never as a number.
      return [
        `${at}   ${l.shape.padEnd(8)} ${String(l.concurrency).padStart(4)} users${l.attempt ? ` (re-measured)` : ''}  TTFT p50 ${quantileText(l.ttft, 'p50')} p95 ${quantileText(l.ttft, 'p95', true)}  TPOT ${quantileText(l.tpot, 'p50')}  ${l.outputTokPerS.toFixed(0)} out tok/s  ok ${l.completed + l.failed > 0 ? pctText(l.successRate) : '—'}  queue ${l.server.waitingMax ?? 'unknown'}${clientCost(l)}  ${outcomeText(l)}`,
      ];
    }
    case 'sweep.finished': {
      const b = e.breakingPoint;
      const ec = e.economics;
      const econ = ec ? `; ${ec.outputTokPerSPerGpu.toFixed(0)} tok/s per GPU, ${formatUsd(ec.usdPerMillionOutputTokens)} per M output tokens` : '';
      return [`${at}   breaking point ${b.shape}: ${breakingPointText(b)}${econ}`];
    }
    case 'cleanup.finished': {
      const r = e.report;
      const out = [];
      if (r.keptCache) out.push(`${at}   kept model cache ${r.keptCache.claim} (${r.keptCache.sizeGi} GiB, ${formatUsd(r.keptCache.monthlyUsd)}/month)`);
      for (const l of r.leftovers) out.push(`${at}   LEFTOVER ${l.kind}/${l.name} in ${l.namespace}: ${l.detail} (${formatUsd(l.hourlyUsd)}/h)`);
      for (const k of r.kept ?? []) out.push(`${at}   kept ${k.kind}/${k.name} in ${k.namespace}: ${k.detail}`);
      return out;
    }
    case 'log':
      return e.level === 'info' ? [] : [`${at}   ${e.level} ${e.source}: ${e.line}`];
    case 'error':
      return [`${at}   error (${e.where}): ${e.message}${e.hint ? `\n${' '.repeat(at.length)}   → ${e.hint}` : ''}`];
    case 'guard':
      return [`${at}   ${e.kind} guard ${e.action}: ${e.message}`];
    case 'session.ended':
      return [`${at} session ${e.status}${e.reason ? `: ${e.reason}` : ''}`];
    case 'pattern.window':
      return [`${at}   ${windowLine(e.window, next.pattern?.spec.mode ?? 'closed')}`];
    case 'pattern.finished':
      return figuresLines(e.result).map((l) => `${at}   ${l}`);
    default:
      return [];
  }
}

/** The load generator's own cost at a level: "client 12% busy, 35 µs/token" (absent in old sessions). */
function clientCost(l: { client?: { busyShare: number; cpuUsPerToken: number | null } }): string {
  const c = l.client;
  if (!c || !Number.isFinite(c.busyShare)) return '';
  return `  client ${pctText(c.busyShare)} busy${c.cpuUsPerToken !== null ? `, ${c.cpuUsPerToken.toFixed(0)} µs/token` : ''}`;
}

/** The closing block: times and tiers, breaking points, cost by item with the price table. */
export function summaryLines(s: SessionSummary, savedTo?: string): string[] {
  const st = s.stages;
  const row = (name: string, x: { durationMs: number | null; tier: Parameters<typeof tierLabelOrDash>[0] }) =>
    `  ${name.padEnd(8)} ${formatDuration(x.durationMs).padStart(7)}  ${tierLabelOrDash(x.tier)}`;
  const out = ['', `Summary — session ${s.id} (${s.status}${s.endReason ? `: ${s.endReason}` : ''})`];
  out.push(row('deploy', st.deploy), row('test', st.test), row('cleanup', st.cleanup), row('total', st.total));
  for (const [shape, b] of Object.entries(s.breakingPoints)) {
    if (!b) continue;
    out.push(`  breaking point (${shape}): ${breakingPointText(b)}`);
  }
  for (const shape of new Set(s.levels.map((l) => l.shape))) if (!s.breakingPoints[shape]) out.push(`  breaking point (${shape}): ${unfinishedSweepText(s.levels, shape)}`);
  const tokens = tokensLine(s.levels);
  if (tokens) out.push(`  tokens: ${tokens}`);
  const none = serverMetricsLine(s.serverMetrics);
  if (none) out.push(`  ${none}`);
  out.push(`  cost ${formatUsd(s.cost.totalUsd)} (price table ${s.cost.priceTable})`);
  for (const l of s.cost.lines) out.push(`    ${l.label.padEnd(36)} ${formatDuration(l.hours * 3_600_000).padStart(7)}  ${formatUsd(l.usd).padStart(8)}`);
  // Whatever nimble leaves in the cluster, said once more at the end where it is seen.
  for (const k of s.cleanup?.kept ?? []) out.push(`  left in the cluster: ${k.kind} ${k.namespace}/${k.name} (${k.detail})`);
  if (savedTo) out.push(`  saved to ${savedTo}`);
  return out;
}

export function summarize(state: SessionState, table: PriceTable): SessionSummary {
  return summarizeSession(state, table);
}
