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
}

interface ChartSpec {
  title: string;
  yUnit: (v: number) => string;
  series: Series[];
  /** Drawn as a grey step area underneath, on its own scale. */
  load?: { label: string; points: Array<{ x0: number; x1: number; v: number }> };
  phases?: Array<{ x: number; label: string }>;
  xMax: number;
  hLine?: { y: number; label: string };
}

export function svgChart(c: ChartSpec, width = 760, height = 240): string {
  const m = { l: 64, r: 16, t: 28, b: 36 };
  const W = width - m.l - m.r;
  const H = height - m.t - m.b;
  const ys = c.series.flatMap((s) => s.points.map((p) => p.y)).filter(fin);
  if (c.hLine) ys.push(c.hLine.y);
  const yMax = Math.max(1e-9, ...ys) * 1.1;
  const X = (x: number) => m.l + (W * x) / Math.max(1, c.xMax);
  const Y = (y: number) => m.t + H - (H * y) / yMax;
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`];
  parts.push(`<text x="${m.l}" y="16" font-weight="bold">${esc(c.title)}</text>`);
  if (c.load && c.load.points.length) {
    const lMax = Math.max(...c.load.points.map((p) => p.v)) * 1.25;
    const d = c.load.points.map((p) => `M${X(p.x0).toFixed(1)},${(m.t + H).toFixed(1)}V${(m.t + H - (H * p.v) / lMax).toFixed(1)}H${X(p.x1).toFixed(1)}V${(m.t + H).toFixed(1)}Z`).join('');
    parts.push(`<path d="${d}" fill="#999" fill-opacity="0.18" stroke="none"><title>${esc(c.load.label)}</title></path>`);
    parts.push(`<text x="${width - m.r}" y="${m.t + H - 4}" text-anchor="end" fill="#777">grey: ${esc(c.load.label)} (max ${Math.max(...c.load.points.map((p) => p.v))})</text>`);
  }
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    parts.push(`<line x1="${m.l}" x2="${m.l + W}" y1="${Y(v).toFixed(1)}" y2="${Y(v).toFixed(1)}" stroke="#ddd"/><text x="${m.l - 6}" y="${(Y(v) + 4).toFixed(1)}" text-anchor="end">${esc(c.yUnit(v))}</text>`);
  }
  for (let i = 0; i <= 5; i++) {
    const x = (c.xMax * i) / 5;
    parts.push(`<text x="${X(x).toFixed(1)}" y="${m.t + H + 16}" text-anchor="middle">${esc(fmtMs(x))}</text>`);
  }
  for (const p of c.phases ?? []) {
    parts.push(`<line x1="${X(p.x).toFixed(1)}" x2="${X(p.x).toFixed(1)}" y1="${m.t}" y2="${m.t + H}" stroke="#555" stroke-dasharray="4 3"/><text x="${(X(p.x) + 3).toFixed(1)}" y="${m.t + 10}" fill="#555">${esc(p.label)}</text>`);
  }
  if (c.hLine) parts.push(`<line x1="${m.l}" x2="${m.l + W}" y1="${Y(c.hLine.y).toFixed(1)}" y2="${Y(c.hLine.y).toFixed(1)}" stroke="#c00" stroke-dasharray="2 2"/><text x="${m.l + W}" y="${(Y(c.hLine.y) - 3).toFixed(1)}" text-anchor="end" fill="#c00">${esc(c.hLine.label)}</text>`);
  c.series.forEach((s, i) => {
    let d = '';
    let pen = false;
    for (const p of s.points) {
      if (!fin(p.y)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`;
      pen = true;
    }
    parts.push(`<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`);
    parts.push(`<rect x="${m.l + 8 + i * 150}" y="${m.t + H + 22}" width="10" height="3" fill="${s.colour}"/><text x="${m.l + 22 + i * 150}" y="${m.t + H + 27}">${esc(s.label)}</text>`);
  });
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W}" height="${H}" fill="none" stroke="#aaa"/></svg>`);
  return parts.join('');
}

const mid = (w: PatternWindow) => (w.startMs + w.endMs) / 2;
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];

function runCharts(r: ReportInput): string[] {
  const ws = r.run.windows;
  const spec = r.run.spec;
  const xMax = ws.length ? ws[ws.length - 1].endMs : 1;
  const load = { label: spec.mode === 'open' ? 'requests/s asked' : 'users', points: spec.phases.map((p) => ({ x0: p.startMs, x1: p.startMs + p.durationMs, v: p.load })) };
  const phases = spec.phases.length <= 12 ? spec.phases.slice(1).map((p) => ({ x: p.startMs, label: p.name })) : [];
  const s = (label: string, colour: string, f: (w: PatternWindow) => number | null, dashed = false): Series => ({ label, colour, dashed, points: ws.map((w) => ({ x: mid(w), y: f(w) })) });
  const msU = (v: number) => (v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
  const base = r.run.result?.spike?.recoveryThresholdMs;
  return [
    svgChart({ title: 'TTFT over time', yUnit: msU, xMax, load, phases, series: [s('TTFT p50', COLOURS[0], (w) => w.ttft.p50), s('TTFT p95', COLOURS[1], (w) => w.ttft.p95)], hLine: fin(base) ? { y: base, label: 'recovery threshold' } : undefined }),
    svgChart({ title: 'TPOT over time', yUnit: msU, xMax, load, phases, series: [s('TPOT p50', COLOURS[0], (w) => w.tpot.p50), s('TPOT p95', COLOURS[1], (w) => w.tpot.p95)] }),
    svgChart({ title: 'Throughput and errors', yUnit: (v) => v.toFixed(v < 10 ? 1 : 0), xMax, load, phases, series: [s('requests/s', COLOURS[2], (w) => w.reqPerS), s('errors per window', COLOURS[1], (w) => w.failed)] }),
    svgChart({ title: 'Server queue and KV cache (KV ×100 = %)', yUnit: (v) => v.toFixed(v < 10 ? 1 : 0), xMax, load, phases, series: [s('queue (max)', COLOURS[3], (w) => w.server.waitingMax), s('KV use % (max)', COLOURS[4], (w) => (w.server.kvMax === null ? null : w.server.kvMax * 100))] }),
  ];
}

/** Several runs' TTFT p95 on one chart, each from its own start. */
export function overlayChart(inputs: ReportInput[]): string {
  const xMax = Math.max(1, ...inputs.map((r) => (r.run.windows.length ? r.run.windows[r.run.windows.length - 1].endMs : 0)));
  const first = inputs[0].run.spec;
  return svgChart({
    title: 'TTFT p95 over time — runs overlaid',
    yUnit: (v) => (v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`),
    xMax,
    load: { label: `load of ${inputs[0].id}`, points: first.phases.map((p) => ({ x0: p.startMs, x1: p.startMs + p.durationMs, v: p.load })) },
    phases: first.phases.length <= 12 ? first.phases.slice(1).map((p) => ({ x: p.startMs, label: p.name })) : [],
    series: inputs.map((r, i) => ({ label: r.id, colour: COLOURS[i % COLOURS.length], dashed: i > 0, points: r.run.windows.map((w) => ({ x: mid(w), y: w.ttft.p95 })) })),
  });
}

export function reportHtml(inputs: ReportInput[]): string {
  const md = (s: string) => esc(s);
  const body: string[] = [];
  if (inputs.length > 1) body.push('<h1>Pattern runs compared</h1>', overlayChart(inputs));
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
