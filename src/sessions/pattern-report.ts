// The report of a pattern session: markdown, or a self-contained HTML page with the charts as
// inline SVG (no script, no external file — people share these). Several runs given: their TTFT
// p95 overlaid on one chart (e.g. two spike runs), time from each run's start.
import type { PatternRun } from '../core/pattern-result.ts';
import type { PatternWindow } from '../core/pattern-windows.ts';
import { figuresLines, lat, pct, slaMarkdown, WINDOW_DEFINITION } from '../core/pattern-format.ts';
import { describePattern, fmtMs } from '../core/patterns.ts';
import type { SlaReport } from '../core/sla-report.ts';

export interface ReportInput {
  id: string;
  model: string;
  target: string;
  startedAt: string;
  run: PatternRun;
  sla: SlaReport | null;
}

const fin = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function windowsTable(ws: PatternWindow[], mode: 'closed' | 'open'): string[] {
  const out = [
    `| t | phase | load (${mode === 'open' ? 'req/s' : 'users'}) | TTFT p50 | TTFT p95 | n | TPOT p50 | req/s | tok/s | errors | queue max | KV max |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  // An hour of 5 s windows is 720 rows: keep the table readable, the charts show every window.
  const step = Math.max(1, Math.ceil(ws.length / 120));
  for (let i = 0; i < ws.length; i += step) {
    const w = ws[i];
    out.push(
      `| ${fmtMs(w.startMs)} | ${w.phase} | ${w.load} | ${lat(w.ttft.p50)} | ${lat(w.ttft.p95)} | ${w.ttft.n} | ${lat(w.tpot.p50)} | ${fin(w.reqPerS) ? w.reqPerS.toFixed(1) : '—'} | ${fin(w.outputTokPerS) ? Math.round(w.outputTokPerS) : '—'} | ${w.failed} | ${w.server.waitingMax ?? '—'} | ${pct(w.server.kvMax)} |`,
    );
  }
  if (step > 1) out.push('', `(every ${step}th window of ${ws.length})`);
  return out;
}

export function reportMarkdown(inputs: ReportInput[]): string {
  const out: string[] = [];
  for (const r of inputs) {
    out.push(`# nimble pattern report — ${r.run.spec.kind} · session ${r.id}`, '');
    out.push(`- model: ${r.model} · target: ${r.target} · started ${r.startedAt}`, `- pattern: ${describePattern(r.run.spec)}`, `- windows: ${WINDOW_DEFINITION}`, '');
    if (r.run.result) {
      out.push('## Figures', '', ...figuresLines(r.run.result).slice(1).map((l) => (l.startsWith('  ') ? `    ${l.trim()}` : `- ${l}`)), '');
      if (r.sla) out.push('## SLA compliance', '', slaMarkdown(r.sla), '');
    } else out.push('**The run did not finish: no figures.**', '');
    out.push('## Windows', '', ...windowsTable(r.run.windows, r.run.spec.mode), '');
  }
  return out.join('\n');
}

// ---- SVG ----

interface Series {
  label: string;
  colour: string;
  points: Array<{ x: number; y: number | null }>;
  dashed?: boolean;
  /** Plotted against the right-hand axis. */
  right?: boolean;
}

interface ChartSpec {
  title: string;
  /** Tick label of a left-axis value (ticks are round numbers of this unit). */
  yUnit: (v: number) => string;
  series: Series[];
  /** A right-hand axis from 0 to max (e.g. KV cache 0–100 %). */
  right?: { max: number; unit: (v: number) => string };
  /** Drawn as a grey step area underneath, on its own scale (its top = 80 % of the plot). */
  load?: { label: string; points: Array<{ x0: number; x1: number; v: number }> };
  phases?: Array<{ x: number; label: string }>;
  xMax: number;
  hLine?: { y: number; label: string };
  /** A marked instant (e.g. when p95 recovered after the spike). */
  vLine?: { x: number; label: string };
}

/** A round tick step (1, 2, 2.5 or 5 × 10^k) giving about `n` steps up to max. */
export function niceStep(max: number, n = 4): number {
  const raw = Math.max(max, 1e-9) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * mag >= raw) return f * mag;
  return 10 * mag;
}

const X_STEPS = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200].map((s) => s * 1000);

/** Axis label of an instant: 0, 30 s, 1m30s … */
function xLabel(ms: number): string {
  return ms === 0 ? '0' : fmtMs(ms);
}

export function svgChart(c: ChartSpec, width = 760, height = 250): string {
  const m = { l: 64, r: c.right ? 48 : 16, t: 28, b: 46 };
  const W = width - m.l - m.r;
  const H = height - m.t - m.b;
  const ys = c.series.filter((s) => !s.right).flatMap((s) => s.points.map((p) => p.y)).filter(fin);
  if (c.hLine) ys.push(c.hLine.y);
  const yStep = niceStep(Math.max(...ys, 0) * 1.05 || 1);
  const yMax = yStep * Math.max(1, Math.ceil((Math.max(...ys, 0) * 1.05) / yStep));
  const X = (x: number) => m.l + (W * x) / Math.max(1, c.xMax);
  const Y = (y: number) => m.t + H - (H * y) / yMax;
  const YR = (y: number) => m.t + H - (H * y) / c.right!.max;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`];
  parts.push(`<text x="${m.l}" y="16" font-weight="bold">${esc(c.title)}</text>`);
  const legend: Array<{ label: string; swatch: string }> = [];
  let loadLegend: { label: string; swatch: string } | null = null;
  if (c.load && c.load.points.length) {
    const peak = Math.max(...c.load.points.map((p) => p.v));
    const lMax = peak * 1.25;
    const d = c.load.points.map((p) => `M${X(p.x0).toFixed(1)},${(m.t + H).toFixed(1)}V${(m.t + H - (H * p.v) / lMax).toFixed(1)}H${X(p.x1).toFixed(1)}V${(m.t + H).toFixed(1)}Z`).join('');
    parts.push(`<path d="${d}" fill="#999" fill-opacity="0.18" stroke="none"><title>${esc(c.load.label)}</title></path>`);
    loadLegend = { label: `${c.load.label} (grey, peak ${peak})`, swatch: `fill="#999" fill-opacity="0.35"` };
  }
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    parts.push(`<line x1="${m.l}" x2="${m.l + W}" y1="${Y(v).toFixed(1)}" y2="${Y(v).toFixed(1)}" stroke="#ddd"/><text x="${m.l - 6}" y="${(Y(v) + 4).toFixed(1)}" text-anchor="end">${esc(c.yUnit(v))}</text>`);
  }
  if (c.right) {
    const rs = niceStep(c.right.max);
    for (let v = 0; v <= c.right.max + 1e-9; v += rs) parts.push(`<text x="${m.l + W + 6}" y="${(YR(v) + 4).toFixed(1)}" fill="#b25e00">${esc(c.right.unit(v))}</text>`);
  }
  const xStep = X_STEPS.find((s) => c.xMax / s <= 8) ?? X_STEPS[X_STEPS.length - 1];
  for (let x = 0; x <= c.xMax + 1e-9; x += xStep) {
    parts.push(`<line x1="${X(x).toFixed(1)}" x2="${X(x).toFixed(1)}" y1="${m.t + H}" y2="${m.t + H + 4}" stroke="#888"/><text x="${X(x).toFixed(1)}" y="${m.t + H + 16}" text-anchor="middle">${esc(xLabel(x))}</text>`);
  }
  for (const p of c.phases ?? []) {
    if (p.x > 0) parts.push(`<line x1="${X(p.x).toFixed(1)}" x2="${X(p.x).toFixed(1)}" y1="${m.t}" y2="${m.t + H}" stroke="#555" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${(X(p.x) + 3).toFixed(1)}" y="${m.t + 11}" fill="#555">${esc(p.label)}</text>`);
  }
  if (c.hLine) parts.push(`<line x1="${m.l}" x2="${m.l + W}" y1="${Y(c.hLine.y).toFixed(1)}" y2="${Y(c.hLine.y).toFixed(1)}" stroke="#c00" stroke-dasharray="2 2"/><text x="${m.l + W - 4}" y="${(Y(c.hLine.y) - 3).toFixed(1)}" text-anchor="end" fill="#c00">${esc(c.hLine.label)}</text>`);
  if (c.vLine) parts.push(`<line x1="${X(c.vLine.x).toFixed(1)}" x2="${X(c.vLine.x).toFixed(1)}" y1="${m.t + 14}" y2="${m.t + H}" stroke="#080" stroke-dasharray="6 3"/><text x="${(X(c.vLine.x) + 3).toFixed(1)}" y="${m.t + 25}" fill="#080">${esc(c.vLine.label)}</text>`);
  for (const s of c.series) {
    const y = s.right ? YR : Y;
    let d = '';
    let dots = '';
    let pen = false;
    for (const p of s.points) {
      if (!fin(p.y)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${X(p.x).toFixed(1)},${y(p.y).toFixed(1)}`;
      // A dot per window: a window between two empty ones has no line to show it.
      dots += `<circle cx="${X(p.x).toFixed(1)}" cy="${y(p.y).toFixed(1)}" r="2"/>`;
      pen = true;
    }
    parts.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/><g fill="${s.colour}">${dots}</g>`);
    legend.push({ label: s.label + (s.right ? ' (right axis)' : ''), swatch: `fill="${s.colour}"` });
  }
  // Series first, then the load: one row under the time axis.
  let lx = m.l;
  for (const l of loadLegend ? [...legend, loadLegend] : legend) {
    parts.push(`<rect x="${lx}" y="${m.t + H + 29}" width="12" height="6" ${l.swatch}/><text x="${lx + 16}" y="${m.t + H + 36}">${esc(l.label)}</text>`);
    lx += 26 + l.label.length * 6.2;
  }
  parts.push(`<text x="${m.l + W}" y="${m.t + H + 36}" text-anchor="end" fill="#555">time since the start</text>`);
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W}" height="${H}" fill="none" stroke="#aaa"/></svg>`);
  return parts.join('');
}

const mid = (w: PatternWindow) => (w.startMs + w.endMs) / 2;
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
/** Latency tick labels: 0, 250 ms, 1 s, 1.5 s (no trailing zeros). */
const msU = (v: number) => (v === 0 ? '0' : v >= 1000 ? `${+(v / 1000).toFixed(2)} s` : `${+v.toFixed(1)} ms`);
const numU = (v: number) => `${+v.toFixed(2)}`;

function phaseMarks(spec: PatternRun['spec']) {
  return spec.phases.length <= 12 ? spec.phases.map((p) => ({ x: p.startMs, label: p.name })) : [];
}

function runCharts(r: ReportInput): string[] {
  const ws = r.run.windows;
  const spec = r.run.spec;
  const xMax = ws.length ? ws[ws.length - 1].endMs : 1;
  const load = { label: spec.mode === 'open' ? 'requests/s asked' : 'users', points: spec.phases.map((p) => ({ x0: p.startMs, x1: p.startMs + p.durationMs, v: p.load })) };
  const phases = phaseMarks(spec);
  const s = (label: string, colour: string, f: (w: PatternWindow) => number | null, o: { dashed?: boolean; right?: boolean } = {}): Series => ({ label, colour, ...o, points: ws.map((w) => ({ x: mid(w), y: f(w) })) });
  const spike = r.run.result?.spike;
  const sp = spec.phases.find((p) => p.name === 'spike');
  const recovered = spike && sp && spike.recoveryMs !== null ? { x: sp.startMs + sp.durationMs + spike.recoveryMs, label: `p95 recovered ${fmtMs(spike.recoveryMs)} after the spike` } : undefined;
  const perS = (w: PatternWindow) => (w.endMs > w.startMs ? (w.failed * 1000) / (w.endMs - w.startMs) : null);
  return [
    svgChart({ title: 'TTFT over time', yUnit: msU, xMax, load, phases, series: [s('TTFT p50', COLOURS[0], (w) => w.ttft.p50), s('TTFT p95', COLOURS[1], (w) => w.ttft.p95)], hLine: fin(spike?.recoveryThresholdMs) ? { y: spike!.recoveryThresholdMs, label: `recovery threshold ${lat(spike!.recoveryThresholdMs)}` } : undefined, vLine: recovered }),
    svgChart({ title: 'TPOT over time', yUnit: msU, xMax, load, phases, series: [s('TPOT p50', COLOURS[0], (w) => w.tpot.p50), s('TPOT p95', COLOURS[1], (w) => w.tpot.p95)] }),
    svgChart({ title: 'Requests finished and failed per second', yUnit: numU, xMax, load, phases, series: [s('finished req/s', COLOURS[2], (w) => w.reqPerS), s('failed req/s', COLOURS[1], perS)] }),
    svgChart({
      title: 'Server queue (requests waiting, left) and KV cache use (%, right)',
      yUnit: numU,
      xMax,
      load,
      phases,
      right: { max: 100, unit: (v) => `${v} %` },
      series: [s('queue (max)', COLOURS[3], (w) => w.server.waitingMax), s('KV use (max)', COLOURS[4], (w) => (w.server.kvMax === null ? null : w.server.kvMax * 100), { right: true })],
    }),
  ];
}

/** Runs are A, B, C… as in nimble compare; the page lists which session each is. */
const runLetter = (i: number) => String.fromCharCode(65 + (i % 26));

/** Several runs' TTFT p95 on one chart, each from its own start. */
export function overlayChart(inputs: ReportInput[]): string {
  const xMax = Math.max(1, ...inputs.map((r) => (r.run.windows.length ? r.run.windows[r.run.windows.length - 1].endMs : 0)));
  const first = inputs[0].run.spec;
  return svgChart({
    title: 'TTFT p95 over time — runs overlaid',
    yUnit: msU,
    xMax,
    load: { label: 'load of A', points: first.phases.map((p) => ({ x0: p.startMs, x1: p.startMs + p.durationMs, v: p.load })) },
    phases: phaseMarks(first),
    series: inputs.map((r, i) => ({ label: runLetter(i), colour: COLOURS[i % COLOURS.length], dashed: i > 0, points: r.run.windows.map((w) => ({ x: mid(w), y: w.ttft.p95 })) })),
  });
}

export function reportHtml(inputs: ReportInput[]): string {
  const md = (s: string) => esc(s);
  const body: string[] = [];
  if (inputs.length > 1) body.push('<h1>Pattern runs compared</h1>', `<p>${inputs.map((r, i) => `${runLetter(i)}: session ${esc(r.id)} — ${esc(describePattern(r.run.spec))}`).join('<br>')}</p>`, overlayChart(inputs));
  for (const r of inputs) {
    body.push(`<h1>${esc(r.run.spec.kind)} · session ${esc(r.id)}</h1>`);
    body.push(`<p>model ${esc(r.model)} · target ${esc(r.target)} · started ${esc(r.startedAt)}<br>pattern: ${esc(describePattern(r.run.spec))}<br><small>windows: ${esc(WINDOW_DEFINITION)}</small></p>`);
    if (r.run.result) body.push('<h2>Figures</h2><ul>' + figuresLines(r.run.result).slice(1).map((l) => `<li>${md(l.trim())}</li>`).join('') + '</ul>');
    if (r.sla) {
      body.push(`<h2>SLA compliance: ${r.sla.met} of ${r.sla.total} met</h2><table><tr><th>Metric</th><th>Target</th><th>Measured</th><th>Verdict</th><th>Data</th></tr>`);
      for (const row of r.sla.rows) body.push(`<tr class="${row.verdict}"><td>${esc(row.label)}</td><td>${esc(row.target)}</td><td>${esc(row.measured)}</td><td>${row.verdict}</td><td>${esc(row.detail)}</td></tr>`);
      body.push('</table>');
    }
    body.push('<h2>Over time</h2>', ...runCharts(r).map((svg) => `<div>${svg}</div>`));
  }
  return `<!doctype html><html><head><meta charset="utf-8"><title>nimble pattern report</title><style>body{font-family:sans-serif;max-width:800px;margin:2em auto;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px}tr.met td:nth-child(4){color:#080}tr.missed td:nth-child(4){color:#c00;font-weight:bold}tr.inconclusive td:nth-child(4){color:#a60}</style></head><body>${body.join('\n')}</body></html>\n`;
}
