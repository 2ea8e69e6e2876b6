// Pattern runs side by side (`nimble compare` on sessions made by nimble load): their figures in
// one table and their TTFT p95 over time overlaid, window by window from each run's start. Pure.
import type { PatternRun } from './pattern-result.ts';
import { lat, pct, rate } from './pattern-format.ts';
import { describePattern, fmtMs } from './patterns.ts';
import type { SlaReport } from './sla-report.ts';

export interface ComparedRun {
  id: string;
  run: PatternRun;
  sla: SlaReport | null;
}

const row = (cells: string[]) => `| ${cells.join(' | ')} |`;

export function comparePatternsMarkdown(runs: ComparedRun[]): string {
  const keys = runs.map((_, i) => String.fromCharCode(65 + i));
  const out: string[] = ['## nimble pattern comparison', '', row(['', 'Session', 'Pattern']), row(['---', '---', '---'])];
  runs.forEach((r, i) => out.push(row([keys[i], `\`${r.id}\``, describePattern(r.run.spec)])));
  if (new Set(runs.map((r) => r.run.spec.kind)).size > 1) out.push('', '**The runs are different kinds of pattern: compare with care.**');
  const fig = (label: string, f: (r: ComparedRun) => string) => row([label, ...runs.map(f)]);
  out.push('', '### Figures', '', row(['', ...keys]), row(['---', ...keys.map(() => '---')]));
  out.push(
    fig('TTFT p95, whole run', (r) => lat(r.run.result?.pools.all.ttft.p95)),
    fig('TPOT p95, whole run', (r) => lat(r.run.result?.pools.all.tpot.p95)),
    fig('success', (r) => pct(r.run.result?.pools.all.successRate)),
    fig('SLA met', (r) => (r.sla ? `${r.sla.met} of ${r.sla.total}` : '—')),
  );
  if (runs.some((r) => r.run.result?.spike)) {
    out.push(
      fig('baseline TTFT p95', (r) => lat(r.run.result?.spike?.baselineTtftP95Ms)),
      fig('TTFT p95 during the spike', (r) => lat(r.run.result?.spike?.spikeTtftP95Ms)),
      fig('error rate during the spike', (r) => pct(r.run.result?.spike?.spikeErrorRate)),
      fig('recovery', (r) => (!r.run.result?.spike ? '—' : r.run.result.spike.recoveryMs === null ? (r.run.result.spike.recoveryUndecided ? 'undecided' : 'not recovered') : `${fmtMs(r.run.result.spike.recoveryMs)} (±${fmtMs(r.run.result.spike.resolutionMs)})`)),
    );
  }
  if (runs.some((r) => r.run.result?.soak)) out.push(fig('soak', (r) => r.run.result?.soak?.verdict ?? '—'));
  if (runs.some((r) => r.run.result?.stress)) {
    out.push(
      fig('max users', (r) => String(r.run.result?.stress?.maxUsers ?? '—')),
      fig('breaking throughput (req/s)', (r) => rate(r.run.result?.stress?.breakingReqPerS)),
      fig('failure mode', (r) => r.run.result?.stress?.failureMode ?? '—'),
    );
  }
  // Overlay: window i of every run, from each run's start.
  const n = Math.max(...runs.map((r) => r.run.windows.length));
  const step = Math.max(1, Math.ceil(n / 120));
  out.push('', '### TTFT p95 over time, overlaid', '', row(['t', ...keys.map((k) => `${k} phase`), ...keys.map((k) => `${k} TTFT p95`)]), row(['---', ...keys.map(() => '---'), ...keys.map(() => '---')]));
  for (let i = 0; i < n; i += step) {
    const ws = runs.map((r) => r.run.windows[i]);
    const t = ws.find((w) => w)!.startMs;
    out.push(row([fmtMs(t), ...ws.map((w) => w?.phase ?? '—'), ...ws.map((w) => lat(w?.ttft.p95))]));
  }
  return out.join('\n');
}
