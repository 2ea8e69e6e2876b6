// Text for pattern runs: one line per window (live, plain output), the derived figures and the
// SLA table (plain, markdown). Pure. Numbers read back from a session may be null (JSON's NaN).
import type { PatternWindow } from './pattern-windows.ts';
import type { PatternResult } from './pattern-result.ts';
import { describePattern, fmtMs } from './patterns.ts';
import type { SlaReport } from './sla-report.ts';
import type { DriftFigure } from './pattern-analysis.ts';
import { latencyText, pctText } from './format.ts';

const fin = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
// Latencies and shares through the one formatter per kind (./format.ts), as in the sweep views.
export const lat = (v: unknown): string => latencyText(fin(v) ? v : null);
export const pct = (v: unknown): string => pctText(fin(v) ? v : null);
export const rate = (v: unknown, d = 1): string => (!fin(v) ? '—' : v.toFixed(d));
const unit = (r: Pick<PatternResult, 'spec'>) => (r.spec.mode === 'open' ? 'req/s' : 'users');

export const WINDOW_DEFINITION =
  'TTFT percentiles over the requests whose first token arrived in the window; TPOT, throughput and errors over the requests that ended in it; queue and KV from server scrapes in it';

export function windowLine(w: PatternWindow, mode: 'closed' | 'open'): string {
  const errs = w.failed ? ` (${Object.entries(w.errors).map(([k, v]) => `${k} ${v}`).join(', ')})` : '';
  const q = w.server.waitingMax === null ? 'queue —' : `queue ≤${w.server.waitingMax}`;
  const kv = w.server.kvMax === null ? 'KV —' : `KV ${pct(w.server.kvMax)}`;
  return (
    `${fmtMs(w.startMs).padStart(7)} ${w.phase.padEnd(7)} ${String(w.load).padStart(4)} ${mode === 'open' ? 'req/s' : 'users'} │ ` +
    `TTFT p50 ${lat(w.ttft.p50)} p95 ${lat(w.ttft.p95)} (n ${w.ttft.n}) │ TPOT p50 ${lat(w.tpot.p50)} │ ` +
    `${rate(w.reqPerS)} req/s ${rate(w.outputTokPerS, 0)} tok/s │ errors ${w.failed}${errs} │ ${q} │ ${kv}`
  );
}

function driftLine(d: DriftFigure): string {
  const name = d.metric === 'ttft_p95_ms' ? 'TTFT p95' : d.metric === 'kv_cache_use' ? 'KV cache use' : 'server queue';
  const f = (v: number) => (d.metric === 'ttft_p95_ms' ? lat(v) : d.metric === 'kv_cache_use' ? pct(v) : v.toFixed(2));
  const sign = (v: number) => (v >= 0 ? '+' : '−') + f(Math.abs(v));
  if (!d.slope) return `${name}: ${d.verdict} (too few windows with data)`;
  return `${name}: ${d.verdict.toUpperCase()} — ${sign(d.overRun)} over the run (95 % CI ${sign(d.overRunLow)} … ${sign(d.overRunHigh)}; tolerance ±${f(d.tolerance)}; n ${d.slope.n} windows)`;
}

/** The derived figures of a run, as lines (plain text and markdown both read well). */
export function figuresLines(r: PatternResult): string[] {
  const out: string[] = [describePattern(r.spec)];
  const a = r.pools.all;
  out.push(
    `whole run: ${a.completed} ok, ${a.failed} failed · TTFT p50 ${lat(a.ttft.p50)} p95 ${lat(a.ttft.p95)} · TPOT p50 ${lat(a.tpot.p50)} p95 ${lat(a.tpot.p95)} · KV max ${pct(a.kvMax)}`,
  );
  if (r.spike) {
    const s = r.spike;
    out.push(
      `spike: baseline TTFT p95 ${lat(s.baselineTtftP95Ms)} (median of ${s.baselineWindows} windows) → ${lat(s.spikeTtftP95Ms)} during the spike (worst window ${lat(s.worstWindowTtftP95Ms)}); error rate during the spike ${pct(s.spikeErrorRate)} of ${s.spikeRequests}`,
      `recovery: ${s.recoveryMs !== null ? fmtMs(s.recoveryMs) : s.recoveryUndecided ? 'UNDECIDED' : 'NOT RECOVERED'} after the spike (p95 ≤ ${lat(s.recoveryThresholdMs)} = baseline + ${Math.round(r.spec.recoveryTolerance * 100)} % for ${r.spec.recoveryWindows} windows; resolution ${fmtMs(s.resolutionMs)})${s.note ? ` — ${s.note}` : ''}`,
    );
  }
  if (r.soak) {
    const s = r.soak;
    out.push(`soak: ${s.verdict.toUpperCase()} over ${fmtMs(s.durationMs)} (${s.windows} windows after the first; OLS slope, 95 % CI)`);
    for (const d of s.drift) out.push(`  ${driftLine(d)}`);
    out.push(`  error rate: first third ${pct(s.errorRateFirstThird)}, last third ${pct(s.errorRateLastThird)}`);
  }
  const steps = r.stress?.steps ?? r.steps;
  if (steps) {
    for (const s of steps) {
      out.push(
        `  ${String(s.users).padStart(5)} ${unit(r)}: TTFT p95 ${lat(s.ttftP95Ms)} · success ${pct(s.successRate)} of ${s.requests} · queued ${s.queuedShare === null ? '—' : pct(s.queuedShare)} of scrapes · ${rate(s.reqPerS)} req/s ${rate(s.outputTokPerS, 0)} tok/s${s.broke.length ? ` · BROKE (${s.broke.join(', ')})` : ''}`,
      );
    }
  }
  if (r.stress) {
    const s = r.stress;
    out.push(
      s.firstBreak === null
        ? `stress: no break up to ${s.maxUsers} users; peak ${rate(s.peakOutputTokPerS, 0)} output tok/s`
        : `stress: max users ${s.maxUsers ?? '— (the first step broke)'} · broke at ${s.firstBreak} users · breaking throughput ${rate(s.breakingReqPerS)} req/s, ${rate(s.breakingOutputTokPerS, 0)} output tok/s (peak ${rate(s.peakOutputTokPerS, 0)}) · failure mode: ${s.failureMode}${s.note ? ` (${s.note})` : ''}`,
    );
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  if (r.aborted) out.push('ABORTED: the figures cover the part that ran');
  return out;
}

export function slaLines(rep: SlaReport): string[] {
  const out = [`SLA (${rep.shape}, ${rep.pattern}): ${rep.met} of ${rep.total} met${rep.missed ? `, ${rep.missed} missed` : ''}${rep.inconclusive ? `, ${rep.inconclusive} inconclusive` : ''}`];
  for (const r of rep.rows) out.push(`  ${r.verdict === 'met' ? '✓' : r.verdict === 'missed' ? '✗' : '?'} ${r.label}: ${r.measured} (target ${r.target}) — ${r.verdict}; ${r.detail}`);
  return out;
}

export function slaMarkdown(rep: SlaReport): string {
  const rows = rep.rows.map((r) => `| ${r.label} | ${r.target} | ${r.measured} | ${r.verdict === 'met' ? '✅ met' : r.verdict === 'missed' ? '❌ missed' : '❔ inconclusive'} | ${r.detail} |`);
  return [`**${rep.met} of ${rep.total} SLA metrics met** (${rep.shape}, ${rep.pattern})`, '', '| Metric | Target | Measured | Verdict | Data |', '|---|---|---|---|---|', ...rows].join('\n');
}
