// Compare sessions: what changed first (the lever), then what it did — phase and stage times with
// deltas and tiers, sweep curves per shape and metric (for overlaying), breaking points and
// capacity, and cost per deployment and per iteration. Pure; the JSON output is the object itself.
// Deltas are against the first session (the baseline).

import type { SessionSummary } from './session-summary.ts';
import type { BreakingPoint, LevelResult, ShapeId } from './sweep-types.ts';
import { answerStatus, levelOutcome } from './sweep.ts';
import { breakingPointShort, breakingPointText, enoughFor } from './result-text.ts';
import { PHASE_LABEL, TIER_LABEL, type PhaseId, type StageId, type TierId } from './tiers.ts';
import { countDelta, durationDelta, durationText as formatDuration, usdDelta, usdText as formatUsd } from './format.ts';

/** Seed 000: a month of testing is about 20 iterations; a kept cache's storage is spread over them. */
export const ITERATIONS_PER_MONTH = 20;

export interface ComparedSession {
  key: string; // A, B, C… (legend)
  id: string;
  label: string;
  mode: string;
  status: string;
  startedAt: string;
}

export interface ConfigDifference {
  field: string;
  label: string;
  values: string[];
}

export interface TimedRow {
  id: string;
  label: string;
  values: { ms: number | null; tier: TierId | 'over' | null }[];
  /** vs the baseline; null where either side is unknown. */
  deltasMs: (number | null)[];
}

export type CurveMetric = 'ttftP95' | 'ttftP50' | 'tpotP50' | 'e2elP95' | 'outputTokPerS' | 'successRate';
// A percentile measured on too few samples is left out of a curve (NaN), not drawn as a number.
const pct = (p: LevelResult['ttft'], q: 'p50' | 'p95') => (!Number.isFinite(p.n) || enoughFor(p, q) ? p[q] : NaN);
export const CURVE_METRICS: { id: CurveMetric; label: string; unit: string; pick: (l: LevelResult) => number }[] = [
  { id: 'ttftP95', label: 'TTFT p95', unit: 'ms', pick: (l) => pct(l.ttft, 'p95') },
  { id: 'ttftP50', label: 'TTFT p50', unit: 'ms', pick: (l) => pct(l.ttft, 'p50') },
  { id: 'tpotP50', label: 'TPOT p50', unit: 'ms', pick: (l) => pct(l.tpot, 'p50') },
  { id: 'e2elP95', label: 'End-to-end latency p95', unit: 'ms', pick: (l) => pct(l.e2el, 'p95') },
  { id: 'outputTokPerS', label: 'Output tokens/s', unit: 'tok/s', pick: (l) => l.outputTokPerS },
  { id: 'successRate', label: 'Success rate', unit: '', pick: (l) => l.successRate },
];

export interface Curve {
  shape: ShapeId;
  metric: CurveMetric;
  label: string;
  unit: string;
  /** One series per session (the legend key), unknown values left out, never invented. */
  series: { key: string; id: string; points: { concurrency: number; value: number }[] }[];
}

export interface BreakingPointRow {
  shape: ShapeId;
  values: ({ lastPassing: number; firstFailing: number | null; limitedBy: string; rule: string | null; resolution: number; status: NonNullable<BreakingPoint['status']>; text: string; short: string } | null)[];
  /** vs the baseline; null unless both answers are brackets or lower bounds of the sweep (not client-limited, not missing). */
  deltas: (number | null)[];
}

export interface CapacityRow {
  shape: ShapeId;
  values: ({ outputTokPerSPerGpu: number; usdPerMillionOutputTokens: number; usersPerGpuDollar: number } | null)[];
  /** Δ $ per million output tokens vs the baseline. */
  usdPerMTokDeltas: (number | null)[];
}

export interface CostRow {
  deploymentUsd: number;
  /** cold: the cycle deployed from scratch; warm: it reused a kept model cache. */
  iteration: 'cold' | 'warm';
  keptCacheMonthlyUsd: number;
  /** This cycle + kept-cache storage spread over ITERATIONS_PER_MONTH. */
  iterationUsd: number;
  priceTable: string;
  byItem: { priceItem: string; label: string; usd: number | null }[];
  unknown: string[];
}

export interface Comparison {
  sessions: ComparedSession[];
  /** Only the fields that differ, in the user's words. */
  differences: ConfigDifference[];
  /** Fields that are the same in every session (for context). */
  same: { label: string; value: string }[];
  stages: TimedRow[];
  phases: TimedRow[];
  curves: Curve[];
  breakingPoints: BreakingPointRow[];
  capacity: CapacityRow[];
  cost: { rows: CostRow[]; deploymentDeltas: number[]; iterationDeltas: number[]; samePriceTable: boolean };
  notes: string[];
}

const yesNo = (b: boolean | undefined) => (b === undefined ? '—' : b ? 'yes' : 'no');

const CONFIG_FIELDS: { field: string; label: string; get: (s: SessionSummary) => string }[] = [
  { field: 'mode', label: 'Mode', get: (s) => s.meta.mode },
  { field: 'model', label: 'Model', get: (s) => s.meta.model },
  { field: 'gpuShape', label: 'GPU shape', get: (s) => s.meta.gpuShape },
  { field: 'gpuCount', label: 'GPU count', get: (s) => String(s.meta.gpuCount) },
  { field: 'sim.profile', label: 'Simulator profile', get: (s) => (s.meta.sim ? TIER_LABEL[s.meta.sim.profile] : '—') },
  { field: 'sim.nimProfile', label: 'Simulated GPU/model profile', get: (s) => s.meta.sim?.nimProfile ?? '—' },
  { field: 'targetTier', label: 'Target tier', get: (s) => TIER_LABEL[s.meta.targetTier] },
  { field: 'levers.cachedModel', label: 'Lever: cached model (kept PVC)', get: (s) => yesNo(s.meta.spec?.levers.cachedModel) },
  { field: 'levers.prePulledImage', label: 'Lever: pre-pulled image', get: (s) => yesNo(s.meta.spec?.levers.prePulledImage) },
  { field: 'levers.warmNode', label: 'Lever: warm GPU node', get: (s) => yesNo(s.meta.spec?.levers.warmNode) },
  { field: 'levers.parallelLoadBalancer', label: 'Lever: LB in parallel', get: (s) => yesNo(s.meta.spec?.levers.parallelLoadBalancer) },
  { field: 'levers.sizedProbes', label: 'Lever: probes sized to the model', get: (s) => yesNo(s.meta.spec?.levers.sizedProbes) },
  { field: 'cache.keep', label: 'Keep cache on cleanup', get: (s) => yesNo(s.meta.spec?.cache.keep) },
  { field: 'probeProfile', label: 'Probe profile', get: (s) => s.meta.spec?.probeProfile ?? '—' },
  { field: 'image', label: 'Image', get: (s) => (s.meta.spec ? `${s.meta.spec.image}:${s.meta.spec.imageTag}` : '—') },
  { field: 'chart', label: 'Chart', get: (s) => s.meta.spec?.chart ?? '—' },
  { field: 'serviceType', label: 'Service type', get: (s) => s.meta.spec?.serviceType ?? '—' },
  { field: 'context', label: 'Kube context', get: (s) => s.meta.context ?? '—' },
  { field: 'namespace', label: 'Namespace', get: (s) => s.meta.namespace ?? '—' },
  { field: 'shapes', label: 'Workload shapes', get: (s) => s.meta.shapes.join(', ') || '—' },
  { field: 'priceTable', label: 'Price table', get: (s) => s.meta.priceTable },
  { field: 'nimbleVersion', label: 'nimble version', get: (s) => s.meta.nimbleVersion },
];

const known = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);
const delta = (a: number | null | undefined, b: number | null | undefined) => (known(a) && known(b) ? b - a : null);

export function costRow(s: SessionSummary): CostRow {
  const kept = s.cleanup?.keptCache?.monthlyUsd ?? 0;
  return {
    deploymentUsd: s.cost.totalUsd,
    iteration: s.meta.spec?.levers.cachedModel ? 'warm' : 'cold',
    keptCacheMonthlyUsd: kept,
    iterationUsd: s.cost.totalUsd + kept / ITERATIONS_PER_MONTH,
    priceTable: s.cost.priceTable,
    byItem: s.cost.lines.map((l) => ({ priceItem: l.priceItem, label: l.label, usd: l.usd })),
    unknown: s.cost.unknown,
  };
}

export function compareSessions(summaries: SessionSummary[]): Comparison {
  if (summaries.length < 2) throw new Error('compare needs at least two sessions');
  const keys = summaries.map((_, i) => String.fromCharCode(65 + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : ''));
  const sessions: ComparedSession[] = summaries.map((s, i) => ({
    key: keys[i],
    id: s.id,
    label: `${s.meta.mode}${s.meta.sim ? ` ${s.meta.sim.profile}` : ''} · ${s.meta.gpuShape} · ${s.meta.model}`,
    mode: s.meta.mode,
    status: s.status,
    startedAt: s.meta.startedAt,
  }));

  const differences: ConfigDifference[] = [];
  const same: Comparison['same'] = [];
  const flagKeys = [...new Set(summaries.flatMap((s) => Object.keys(s.meta.flags)))].sort();
  const fields = [...CONFIG_FIELDS, ...flagKeys.map((k) => ({ field: `flags.${k}`, label: `--${k}`, get: (s: SessionSummary) => (k in s.meta.flags ? String(s.meta.flags[k]) : '—') }))];
  for (const f of fields) {
    const values = summaries.map(f.get);
    if (new Set(values).size > 1) differences.push({ field: f.field, label: f.label, values });
    else if (values[0] !== '—') same.push({ label: f.label, value: values[0] });
  }

  const timed = (id: string, label: string, get: (s: SessionSummary) => { durationMs: number | null; tier: TierId | 'over' | null } | undefined): TimedRow => {
    const values = summaries.map((s) => {
      const v = get(s);
      return { ms: v?.durationMs ?? null, tier: v?.tier ?? null };
    });
    return { id, label, values, deltasMs: values.map((v) => delta(values[0].ms, v.ms)) };
  };
  const stageLabel: Record<StageId, string> = { deploy: 'Deploy', test: 'Test', cleanup: 'Cleanup', total: 'Total' };
  const stages = (['deploy', 'test', 'cleanup', 'total'] as const).map((id) => timed(id, stageLabel[id], (s) => s.stages[id]));
  const phaseIds = [...new Set(summaries.flatMap((s) => s.phases.map((p) => p.id)))];
  const phases = phaseIds.map((id) => timed(id, PHASE_LABEL[id as PhaseId] ?? id, (s) => s.phases.find((p) => p.id === id)));

  const shapes = [...new Set(summaries.flatMap((s) => [...s.levels.map((l) => l.shape), ...(Object.keys(s.breakingPoints) as ShapeId[])]))];
  const curves: Curve[] = [];
  for (const shape of shapes) {
    for (const m of CURVE_METRICS) {
      const series = summaries.map((s, i) => ({
        key: keys[i],
        id: s.id,
        points: s.levels
          .filter((l) => l.shape === shape && l.valid !== false && levelOutcome(l) !== 'inconclusive')
          .map((l) => ({ concurrency: l.concurrency, value: m.pick(l) }))
          .filter((p) => known(p.value))
          .sort((a, b) => a.concurrency - b.concurrency),
      }));
      if (series.some((x) => x.points.length)) curves.push({ shape, metric: m.id, label: m.label, unit: m.unit, series });
    }
  }

  const breakingPoints: BreakingPointRow[] = shapes.map((shape) => {
    const values = summaries.map((s) => {
      const bp = s.breakingPoints[shape];
      return bp
        ? { lastPassing: bp.lastPassing, firstFailing: bp.firstFailing, limitedBy: bp.limitedBy, rule: bp.rule, resolution: bp.resolution, status: answerStatus(bp), text: breakingPointText(bp), short: breakingPointShort(bp) }
        : null;
    });
    const comparable = (v: (typeof values)[number]) => (v && (v.status === 'found' || v.status === 'not-reached') ? v.lastPassing : null);
    return { shape, values, deltas: values.map((v) => delta(comparable(values[0]), comparable(v))) };
  });
  const capacity: CapacityRow[] = shapes.map((shape) => {
    const values = summaries.map((s) => {
      const e = s.economics[shape];
      return e ? { outputTokPerSPerGpu: e.outputTokPerSPerGpu, usdPerMillionOutputTokens: e.usdPerMillionOutputTokens, usersPerGpuDollar: e.usersPerGpuDollar } : null;
    });
    return { shape, values, usdPerMTokDeltas: values.map((v) => delta(values[0]?.usdPerMillionOutputTokens, v?.usdPerMillionOutputTokens)) };
  });

  const rows = summaries.map(costRow);
  const samePriceTable = new Set(rows.map((r) => r.priceTable)).size === 1;
  const notes: string[] = [];
  if (!samePriceTable) notes.push(`costs come from different price tables (${[...new Set(rows.map((r) => r.priceTable))].join(', ')}): cost deltas mix prices and behaviour`);
  for (const s of summaries) {
    if (s.status !== 'completed') notes.push(`${s.id} is ${s.status}${s.endReason ? ` (${s.endReason})` : ''}: its numbers cover only what ran`);
    if (s.meta.mode === 'import') notes.push(`${s.id} is imported from another tool: no deploy phases or cost, only its sweep`);
    if (s.meta.mode === 'sim') notes.push(`${s.id} is SIMULATED`);
  }
  return {
    sessions,
    differences,
    same,
    stages,
    phases,
    curves,
    breakingPoints,
    capacity,
    cost: {
      rows,
      deploymentDeltas: rows.map((r) => r.deploymentUsd - rows[0].deploymentUsd),
      iterationDeltas: rows.map((r) => r.iterationUsd - rows[0].iterationUsd),
      samePriceTable,
    },
    notes,
  };
}

// ---- Markdown ----

const tierText = (t: TierId | 'over' | null) => (t === null ? '' : t === 'over' ? ' (over Slow)' : ` (${TIER_LABEL[t]})`);
/** Deltas as every compare output shows them (one rule: ./format.ts). */
export const signedDuration = durationDelta;
export const signedUsd = usdDelta;
export const signedUsers = (n: number | null) => countDelta(n, 'users');
const fmtNum = (x: number, digits = 0) => (known(x) ? x.toFixed(digits) : '—');
const row = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
const header = (cells: string[]) => [row(cells), row(cells.map(() => '---'))].join('\n');

function timedTable(title: string, rows: TimedRow[], c: Comparison): string[] {
  const others = c.sessions.slice(1);
  const out = [`### ${title}`, '', header(['', ...c.sessions.map((s) => s.key), ...others.map((s) => `Δ ${s.key}−A`)])];
  for (const r of rows) {
    out.push(row([r.label, ...r.values.map((v) => `${formatDuration(v.ms)}${tierText(v.tier)}`), ...r.deltasMs.slice(1).map(signedDuration)]));
  }
  return [...out, ''];
}

export function compareToMarkdown(c: Comparison): string {
  const others = c.sessions.slice(1);
  const out: string[] = ['## nimble session comparison', ''];
  out.push(header(['', 'Session', 'What', 'Status']));
  for (const s of c.sessions) out.push(row([s.key, `\`${s.id}\``, s.label, s.status]));
  out.push('', '### What changed', '');
  if (c.differences.length) {
    out.push(header(['', ...c.sessions.map((s) => s.key)]));
    for (const d of c.differences) out.push(row([d.label, ...d.values]));
  } else out.push('Nothing in the recorded configuration differs.');
  out.push('');
  out.push(...timedTable('Stage times', c.stages, c), ...timedTable('Deploy phases', c.phases, c));

  out.push('### Breaking point and capacity', '');
  out.push(header(['Shape', ...c.sessions.map((s) => `${s.key} breaking point`), ...others.map((s) => `Δ ${s.key}−A`)]));
  for (const b of c.breakingPoints) {
    out.push(row([b.shape, ...b.values.map((v) => (v ? v.text : '—')), ...b.deltas.slice(1).map(signedUsers)]));
  }
  out.push('');
  out.push(header(['Shape', ...c.sessions.map((s) => `${s.key} tok/s/GPU · $/M tok`), ...others.map((s) => `Δ $/M ${s.key}−A`)]));
  for (const r of c.capacity) {
    out.push(row([r.shape, ...r.values.map((v) => (v ? `${fmtNum(v.outputTokPerSPerGpu)} · ${formatUsd(v.usdPerMillionOutputTokens)}` : '—')), ...r.usdPerMTokDeltas.slice(1).map(signedUsd)]));
  }
  out.push('');

  for (const shape of [...new Set(c.curves.map((x) => x.shape))]) {
    const forShape = c.curves.filter((x) => x.shape === shape && (x.metric === 'ttftP95' || x.metric === 'outputTokPerS'));
    const conc = [...new Set(forShape.flatMap((x) => x.series.flatMap((s) => s.points.map((p) => p.concurrency))))].sort((a, b) => a - b);
    out.push(`### Sweep curves — ${shape}`, '');
    out.push(header(['Concurrency', ...forShape.flatMap((x) => x.series.map((s) => `${s.key} ${x.label}${x.unit ? ` (${x.unit})` : ''}`))]));
    for (const n of conc) {
      out.push(row([String(n), ...forShape.flatMap((x) => x.series.map((s) => { const p = s.points.find((q) => q.concurrency === n); return p ? fmtNum(p.value, x.unit === 'ms' ? 0 : 1) : '—'; }))]));
    }
    out.push('');
  }

  out.push('### Cost', '');
  out.push(header(['', ...c.sessions.map((s) => s.key), ...others.map((s) => `Δ ${s.key}−A`)]));
  out.push(row(['Per deployment (this cycle)', ...c.cost.rows.map((r) => formatUsd(r.deploymentUsd)), ...c.cost.deploymentDeltas.slice(1).map(signedUsd)]));
  out.push(row([`Per iteration (cache storage over ${ITERATIONS_PER_MONTH}/month)`, ...c.cost.rows.map((r) => `${formatUsd(r.iterationUsd)} (${r.iteration})`), ...c.cost.iterationDeltas.slice(1).map(signedUsd)]));
  out.push(row(['Kept cache per month', ...c.cost.rows.map((r) => formatUsd(r.keptCacheMonthlyUsd)), ...others.map(() => '')]));
  out.push(row(['Price table', ...c.cost.rows.map((r) => r.priceTable), ...others.map(() => '')]));
  out.push('');
  if (c.notes.length) out.push(...c.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}
