// A pattern run's chart over elapsed time, laid out as cells (asciichart draws the lines, as in the
// sweep chart): each column is a slice of the run's time, valued by the window holding its middle.
// Under it: the load as a sparkline, and a row marking where each phase starts. Pure.
import asciichart from 'asciichart';
import type { PatternSpec } from '../../../core/patterns.ts';
import { patternDurationMs } from '../../../core/patterns.ts';
import type { PatternWindow } from '../../../core/pattern-windows.ts';
import { parseTaggedRow, sparkline, type ChartCell, type ChartMetric } from '../sweep/chart.ts';

export interface TimeSeriesDef {
  label: string;
  get: (w: PatternWindow) => number | null;
}

/** What each chart metric shows over time. */
export const TIME_SERIES: Record<ChartMetric, { title: string; unit: 'ms' | 'n'; series: TimeSeriesDef[] }> = {
  ttft: { title: 'TTFT over time', unit: 'ms', series: [{ label: 'p50', get: (w) => w.ttft.p50 }, { label: 'p95', get: (w) => w.ttft.p95 }] },
  tpot: { title: 'TPOT over time', unit: 'ms', series: [{ label: 'p50', get: (w) => w.tpot.p50 }, { label: 'p95', get: (w) => w.tpot.p95 }] },
  throughput: { title: 'Throughput and errors over time', unit: 'n', series: [{ label: 'req/s', get: (w) => w.reqPerS }, { label: 'errors/window', get: (w) => w.failed }] },
};

export interface TimeChartModel {
  rows: ChartCell[][];
  /** Load per column (sparkline), phase starts, and time labels: aligned with the plot. */
  loadRow: string;
  phaseRow: string;
  queueRow: string;
  kvRow: string;
  timeRow: string;
  labelWidth: number;
  empty: boolean;
}

const LABEL_W = 8;
const TAGS = ['\x1b[31m', '\x1b[32m', '\x1b[33m'];

const fin = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function fmtAxis(v: number, unit: 'ms' | 'n'): string {
  if (unit === 'ms') return v >= 1000 ? `${(v / 1000).toFixed(1)}s` : `${Math.round(v)}ms`;
  return v >= 1000 ? `${(v / 1000).toFixed(1)}k` : v >= 10 ? `${Math.round(v)}` : v.toFixed(1);
}

function fmtT(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${(s / 3600).toFixed(1)}h`;
}

export function buildTimeChart(spec: PatternSpec, windows: PatternWindow[], metric: ChartMetric, width: number, height: number): TimeChartModel {
  const def = TIME_SERIES[metric];
  const total = patternDurationMs(spec);
  const cols = Math.max(10, width - LABEL_W - 1);
  const colMs = total / cols;
  // The window holding each column's middle (windows are in time order).
  const at: Array<PatternWindow | null> = [];
  let k = 0;
  for (let c = 0; c < cols; c++) {
    const t = (c + 0.5) * colMs;
    while (k < windows.length && windows[k].endMs <= t) k++;
    at.push(k < windows.length && windows[k].startMs <= t ? windows[k] : null);
  }
  const raw = def.series.map((s) => at.map((w) => (w ? s.get(w) : null)));
  const ys = raw.flat().filter(fin);
  const empty = ys.length === 0;
  // asciichart draws no gaps: a column without data holds the last value, and a series ends at
  // its last column with data (the run so far).
  const kept = raw
    .map((vals, idx) => {
      const last = vals.reduce<number>((a, v, i) => (fin(v) ? i : a), -1);
      const first = vals.find(fin);
      let prev = first ?? 0;
      return { idx, vals: vals.slice(0, last + 1).map((v) => (fin(v) ? (prev = v) : prev)) };
    })
    .filter((v) => v.vals.length > 0);
  const series = kept.map((k) => k.vals);
  const plotH = Math.max(2, height);
  const text = asciichart.plot(empty || !series.length ? [new Array(cols).fill(0)] : series, {
    min: 0,
    max: Math.max(1e-9, ...ys) * 1.05,
    height: plotH,
    offset: 2,
    colors: kept.map((k) => TAGS[k.idx % TAGS.length]),
    format: (v: number) => (fmtAxis(v, def.unit).padStart(LABEL_W - 1) + ' ').slice(-LABEL_W),
  });
  const rows = text.split('\n').map((line) => parseTaggedRow(line, TAGS, (idx) => idx));
  const pad = ' '.repeat(LABEL_W);
  const loads = spec.phases.length ? Array.from({ length: cols }, (_, c) => spec.phases.filter((p) => p.startMs <= (c + 0.5) * colMs).pop()?.load ?? 0) : [];
  const phase = new Array(cols).fill(' ');
  if (spec.phases.length <= 12) {
    for (const p of spec.phases) {
      const c = Math.min(cols - 1, Math.floor(p.startMs / colMs));
      const label = `│${p.name}`;
      for (let i = 0; i < label.length && c + i < cols; i++) phase[c + i] = label[i];
    }
  }
  const time = new Array(cols + 6).fill(' ');
  for (let i = 0; i <= 4; i++) {
    const c = Math.round((cols - 1) * (i / 4));
    const label = fmtT((total * i) / 4);
    const start = Math.max(0, Math.min(cols - label.length, c - (i === 4 ? label.length - 1 : 0)));
    for (let j = 0; j < label.length; j++) time[start + j] = label[j];
  }
  const sparkOf = (f: (w: PatternWindow) => number | null, max?: number) => sparkline(at.map((w) => (w ? f(w) : null)).map((v) => (fin(v) ? v : null)), max);
  return {
    rows,
    loadRow: `${'load'.padStart(LABEL_W - 1)} ${sparkline(loads)}`,
    phaseRow: pad + phase.join(''),
    queueRow: `${'queue'.padStart(LABEL_W - 1)} ${sparkOf((w) => w.server.waitingMax)}`,
    kvRow: `${'KV'.padStart(LABEL_W - 1)} ${sparkOf((w) => w.server.kvMax, 1)}`,
    timeRow: pad + time.join('').trimEnd(),
    labelWidth: LABEL_W,
    empty,
  };
}

