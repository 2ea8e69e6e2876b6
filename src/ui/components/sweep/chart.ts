// The sweep chart as a grid of cells: asciichart draws the lines, we place the x axis. asciichart
// plots y against the array index, so concurrency (log2: 1 2 4 8 …) becomes a column position we
// compute — `colsPerGroup` columns per doubling — and values between levels are interpolated in
// log2 space. Series are drawn with throw-away ANSI codes that we parse back into series ids, so
// colour is applied by Ink from the theme (and disappears cleanly under NO_COLOR/FORCE_COLOR=0).

import asciichart from 'asciichart';
import type { LevelResult, ShapeId } from '../../../core/sweep-types.ts';
import { levelOutcome } from '../../../core/sweep.ts';
import { enoughFor } from '../../../core/result-text.ts';

export type ChartMetric = 'ttft' | 'tpot' | 'throughput';
export const CHART_METRICS: readonly ChartMetric[] = ['ttft', 'tpot', 'throughput'];
export const METRIC_LABEL: Record<ChartMetric, string> = {
  ttft: 'TTFT p95',
  tpot: 'TPOT p50',
  throughput: 'output tok/s',
};
/** The SLA line per metric (ms), when there is one: the 2 s TTFT break, 10 tok/s per user. */
export const METRIC_LIMIT: Record<ChartMetric, { value: number; label: string } | null> = {
  ttft: { value: 2000, label: '2 s SLA' },
  tpot: { value: 100, label: '10 tok/s/user' },
  throughput: null,
};
export const SERIES_MARK = ['●', '■', '▲', '◆'] as const;

/** A percentile over too few samples (or an inconclusive level) is no point on the chart: NaN. */
export function metricValue(l: LevelResult, m: ChartMetric): number {
  if (levelOutcome(l) === 'inconclusive' && !l.valid) return NaN;
  if (m === 'ttft') return enoughFor(l.ttft, 'p95') ? l.ttft.p95 : NaN;
  if (m === 'tpot') return enoughFor(l.tpot, 'p50') ? l.tpot.p50 : NaN;
  return l.outputTokPerS;
}

export function formatAxis(v: number, m: ChartMetric): string {
  if (m === 'throughput') return v >= 10_000 ? `${(v / 1000).toFixed(0)}k` : v >= 1000 ? `${(v / 1000).toFixed(1)}k` : `${Math.round(v)}`;
  return v >= 1000 ? `${(v / 1000).toFixed(1)}s` : `${Math.round(v)}ms`;
}

export interface ChartCell {
  ch: string;
  /** Index into `series` (a shape), 'limit' for the SLA line, null for axes and labels. */
  series: number | 'limit' | null;
}

export interface ChartModel {
  rows: ChartCell[][];
  xLabels: string;
  shapes: ShapeId[];
  limit: { value: number; label: string } | null;
  empty: boolean;
}

const LABEL_W = 7;
// Unique SGR codes, one per series: only used as tags between asciichart and our parser.
const TAGS = ['\x1b[31m', '\x1b[32m', '\x1b[33m', '\x1b[34m', '\x1b[35m'];

interface Pt {
  x: number; // log2(concurrency)
  y: number;
}

function interpolate(points: Pt[], x: number): number {
  if (x <= points[0].x) return points[0].y;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (x <= b.x) return b.x === a.x ? b.y : a.y + ((b.y - a.y) * (x - a.x)) / (b.x - a.x);
  }
  return points[points.length - 1].y;
}

/** Lay out the chart for `levels` of `shapes` in `width` × `height` (plot rows) cells. */
export function buildChart(levels: LevelResult[], shapes: ShapeId[], metric: ChartMetric, width: number, height: number): ChartModel {
  const limit = METRIC_LIMIT[metric];
  const byShape = shapes.map((shape) =>
    levels
      .filter((l) => l.shape === shape && l.completed > 0)
      .map((l) => ({ x: Math.log2(Math.max(1, l.concurrency)), y: metricValue(l, metric) }))
      .filter((p) => Number.isFinite(p.y))
      .sort((a, b) => a.x - b.x),
  );
  const maxX = Math.max(1, ...byShape.flat().map((p) => Math.ceil(p.x - 1e-9)));
  const plotW = Math.max(8, width - LABEL_W - 1);
  const colsPerGroup = Math.max(2, Math.min(10, Math.floor((plotW - 1) / maxX)));
  const len = maxX * colsPerGroup + 1;
  const empty = byShape.every((p) => p.length === 0);

  const ys = byShape.flat().map((p) => p.y);
  const plotH = Math.max(2, height - 1);
  const dataMax = Math.max(1e-9, ...ys) * 1.05;
  // Choose the top so the SLA line falls exactly on a labelled row ("2.0s", not "1.9s").
  let max = dataMax;
  if (limit) {
    const m = Math.max(1, Math.min(plotH - 1, Math.floor((plotH * limit.value) / Math.max(dataMax, limit.value * 1.1))));
    max = (limit.value * plotH) / m;
  }
  const series: number[][] = [];
  const owners: (number | 'limit')[] = [];
  if (limit) {
    series.push(new Array(len).fill(limit.value));
    owners.push('limit');
  }
  byShape.forEach((pts, s) => {
    if (!pts.length) return;
    const last = Math.round(pts[pts.length - 1].x * colsPerGroup);
    const arr: number[] = [];
    for (let i = 0; i <= last; i++) arr.push(interpolate(pts, i / colsPerGroup));
    series.push(arr);
    owners.push(s);
  });
  if (!series.length) {
    series.push(new Array(len).fill(0));
    owners.push('limit');
  }

  const text = asciichart.plot(series, {
    min: 0,
    max,
    height: plotH,
    offset: 2,
    colors: owners.map((_, i) => TAGS[i % TAGS.length]),
    format: (v: number) => (formatAxis(v, metric).padStart(LABEL_W - 1) + ' ').slice(-LABEL_W),
  });
  const rows = text.split('\n').map((line) => parseTaggedRow(line, TAGS, (idx) => owners[idx] ?? null));

  // Mark each measured level with its shape's symbol, in the row asciichart put its value.
  const ratio = plotH / max;
  const top = Math.round(max * ratio);
  byShape.forEach((pts, s) => {
    for (const p of pts) {
      const r = top - Math.round(p.y * ratio);
      const c = LABEL_W + Math.round(p.x * colsPerGroup);
      if (rows[r] && rows[r][c]) rows[r][c] = { ch: SERIES_MARK[s % SERIES_MARK.length], series: s };
    }
  });
  // The SLA line dashed, so it reads as a threshold even without colour.
  for (const row of rows) for (const cell of row) if (cell.series === 'limit' && cell.ch === '─') cell.ch = '╌';

  // X labels at each doubling; skip alternate ones when they would touch.
  const labelChars: string[] = new Array(LABEL_W + len + 4).fill(' ');
  const widest = String(2 ** maxX).length;
  const step = colsPerGroup > widest ? 1 : Math.ceil((widest + 1) / colsPerGroup);
  for (let g = 0; g <= maxX; g += step) {
    const label = String(2 ** g);
    const at = LABEL_W + g * colsPerGroup;
    for (let k = 0; k < label.length; k++) labelChars[at + k] = label[k];
  }
  let xLabels = labelChars.join('').trimEnd();
  if (xLabels.length + 7 <= LABEL_W + plotW) xLabels += '  users';
  return { rows, xLabels, shapes, limit, empty };
}

/**
 * One line of asciichart's coloured output as cells: each character with the series whose colour
 * tag (an index into `tags`) it was drawn in, via `owner`; null for axes, labels and reset text.
 */
export function parseTaggedRow(line: string, tags: readonly string[], owner: (tagIndex: number) => ChartCell['series']): ChartCell[] {
  const cells: ChartCell[] = [];
  let current: ChartCell['series'] = null;
  const re = /\x1b\[(\d+)m/y;
  let i = 0;
  while (i < line.length) {
    re.lastIndex = i;
    const m = re.exec(line);
    if (m) {
      const idx = tags.indexOf(`\x1b[${m[1]}m`);
      current = m[1] === '0' || idx < 0 ? null : owner(idx);
      i = re.lastIndex;
      continue;
    }
    const ch = String.fromCodePoint(line.codePointAt(i)!);
    i += ch.length;
    // asciichart puts the whole y label in one cell; keep it as one cell per character anyway.
    cells.push({ ch, series: current });
  }
  return cells;
}

/** Unicode sparkline of values; null (metric not exposed) draws "·", never a zero bar. */
export function sparkline(values: (number | null)[], max?: number): string {
  const bars = '▁▂▃▄▅▆▇█';
  const known = values.filter((v): v is number => v !== null);
  const top = max ?? Math.max(1, ...known);
  return values
    .map((v) => {
      if (v === null) return '·';
      const k = Math.round((Math.max(0, v) / top) * (bars.length - 1));
      return bars[Math.min(bars.length - 1, k)];
    })
    .join('');
}
