// Map another tool's sweep results onto nimble's LevelResult so they can be compared with nimble's
// sessions. Pure. What a file lacks stays unknown (NaN in memory, null in JSON) and is listed in
// the import's notes; nothing is invented.
//
// Formats, from the tools' own sources:
// - `vllm bench serve --save-result`: one JSON object per run (vllm/benchmarks/serve.py: the
//   `result` dict merged into `result_json`): date ("%Y%m%d-%H%M%S"), backend, model_id,
//   num_prompts, request_rate ("inf" or number), max_concurrency (null when unset), duration (s),
//   completed, failed, total_input_tokens, total_output_tokens, request_throughput,
//   request_goodput (null without --goodput), output_throughput, total_token_throughput,
//   mean_/median_/std_<m>_ms and p<N>_<m>_ms for m in ttft, tpot, itl, e2el (only the percentiles
//   asked for with --metric-percentiles; default 99), and optionally ttfts (s, per request).
//   --append-result writes one such object per line.
// - GuideLLM's benchmarks JSON (guidellm/benchmark/schemas): { benchmarks: [GenerativeBenchmark] },
//   each with the strategy (config.strategy, or args.strategy in older versions: type_
//   "synchronous" | "concurrent" (streams) | "throughput" | "constant" | "poisson"), request counts
//   (scheduler_metrics.requests_made or run_stats.requests_made: successful/errored/incomplete),
//   duration (s), and metrics.* as StatusDistributionSummary {successful, errored, incomplete,
//   total} of DistributionSummary {mean, median, min, max, count, percentiles {p50, p90, p95, p99…}}:
//   time_to_first_token_ms, time_per_output_token_ms, inter_token_latency_ms, request_latency (s),
//   requests_per_second, output_tokens_per_second, tokens_per_second, prompt_token_count,
//   output_token_count, request_concurrency.

import type { EventBody, NimbleEvent, SessionMeta } from './events.ts';
import type { BreakingPoint, Grade, LevelResult, Percentiles, ShapeId } from './sweep-types.ts';

export type ImportFormat = 'guidellm' | 'vllm';

export interface ImportOptions {
  id: string;
  nimbleVersion: string;
  importedAt: Date;
  /** File name(s), recorded in the session's flags. */
  source: string;
  shape?: ShapeId;
  gpuShape?: string;
  gpuCount?: number;
  model?: string;
  priceTable: string;
}

export interface ImportResult {
  format: ImportFormat;
  events: NimbleEvent[];
  /** What the file did not say, and what was assumed about how to read it. */
  notes: string[];
}

export class ImportError extends Error {}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : NaN);
const get = (o: unknown, path: string): unknown => path.split('.').reduce<unknown>((x, k) => (isObj(x) ? x[k] : undefined), o);
const first = (o: unknown, paths: string[]): unknown => paths.map((p) => get(o, p)).find((v) => v !== undefined && v !== null);
const known = (x: number) => Number.isFinite(x);

export function detectFormat(raw: unknown): ImportFormat | null {
  const items = Array.isArray(raw) ? raw : [raw];
  if (isObj(items[0]) && Array.isArray((items[0] as Obj).benchmarks)) return 'guidellm';
  if (items.length && items.every((x) => isObj(x) && ('mean_ttft_ms' in x || 'request_throughput' in x) && 'completed' in x)) return 'vllm';
  return null;
}

/** Linear interpolation between closest ranks (numpy's default), for raw per-request values. */
function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

// Grades per seed 001's SLA table (../shared/reference/targets-and-prices.md §2).
function gradeTtft(ms: number): Grade {
  return ms < 200 ? 'excellent' : ms < 800 ? 'acceptable' : 'degraded';
}
function gradeSpeed(tpotMs: number): Grade {
  const tokPerS = 1000 / tpotMs;
  return tokPerS > 50 ? 'excellent' : tokPerS > 20 ? 'acceptable' : 'degraded';
}
function gradeSuccess(rate: number): Grade {
  return rate >= 1 ? 'excellent' : rate >= 0.99 ? 'acceptable' : 'degraded';
}

function finishLevel(base: Omit<LevelResult, 'verdict' | 'brokeBy' | 'grades' | 'valid' | 'invalidReasons'>, invalidReasons: string[]): LevelResult {
  const brokeBy: LevelResult['brokeBy'] = [];
  if (known(base.ttft.p95) && base.ttft.p95 > 2000) brokeBy.push('ttft');
  if (known(base.successRate) && base.successRate < 0.95) brokeBy.push('success');
  return {
    ...base,
    valid: invalidReasons.length === 0,
    invalidReasons,
    verdict: brokeBy.length ? 'break' : 'pass',
    brokeBy,
    grades: {
      ttft: known(base.ttft.p95) ? gradeTtft(base.ttft.p95) : known(base.ttft.p99) ? gradeTtft(base.ttft.p99) : 'degraded',
      outputSpeed: known(base.tpot.p50) ? gradeSpeed(base.tpot.p50) : 'degraded',
      kvCache: null,
      success: known(base.successRate) ? gradeSuccess(base.successRate) : 'degraded',
    },
  };
}

const NO_SERVER: LevelResult['server'] = { samples: 0, queuedShare: null, waitingMax: null, runningMax: null, kvCacheMax: null, engine: 'unknown' };

function vllmPercentiles(r: Obj, m: string, n: number, raw?: number[]): Percentiles {
  const p = (q: string) => num(r[`p${q}_${m}_ms`]);
  const sorted = raw?.filter(Number.isFinite).sort((a, b) => a - b);
  const fromRaw = (q: number) => (sorted?.length ? quantile(sorted, q) : NaN);
  const pick = (q: string, qq: number) => (known(p(q)) ? p(q) : fromRaw(qq));
  return {
    n,
    mean: num(r[`mean_${m}_ms`]),
    p50: known(num(r[`median_${m}_ms`])) ? num(r[`median_${m}_ms`]) : pick('50', 0.5),
    p90: pick('90', 0.9),
    p95: pick('95', 0.95),
    p99: pick('99', 0.99),
    min: sorted?.length ? sorted[0] : NaN,
    max: sorted?.length ? sorted[sorted.length - 1] : NaN,
  };
}

export function vllmLevel(r: Obj, shape: ShapeId, notes: string[]): LevelResult {
  const completed = num(r.completed);
  const failed = known(num(r.failed)) ? num(r.failed) : 0;
  const invalid: string[] = [];
  let concurrency = num(r.max_concurrency);
  if (!known(concurrency)) {
    concurrency = num(r.max_concurrent_requests);
    invalid.push(`no --max-concurrency: concurrency is the peak observed (${known(concurrency) ? concurrency : 'unknown'})`);
    if (!known(concurrency)) concurrency = 0;
  }
  const ttftsMs = Array.isArray(r.ttfts) ? (r.ttfts as unknown[]).map((x) => num(x) * 1000) : undefined;
  const ttft = vllmPercentiles(r, 'ttft', completed, ttftsMs);
  const level = {
    shape,
    concurrency,
    windowMs: num(r.duration) * 1000,
    completed,
    failed,
    errorsByClass: {},
    successRate: completed + failed > 0 ? completed / (completed + failed) : NaN,
    ttft,
    tpot: vllmPercentiles(r, 'tpot', completed),
    itl: vllmPercentiles(r, 'itl', completed),
    e2el: vllmPercentiles(r, 'e2el', completed),
    reqPerS: num(r.request_throughput),
    outputTokPerS: num(r.output_throughput),
    totalTokPerS: num(r.total_token_throughput),
    goodput: num(r.request_goodput),
    tokenSource: 'mixed' as const,
    meanOutputTokens: num(r.total_output_tokens) / completed,
    meanPromptTokens: num(r.total_input_tokens) / completed,
    server: NO_SERVER,
    stopReason: `imported from vllm bench serve (${num(r.num_prompts)} prompts)`,
  };
  const missing = (['p95', 'p90'] as const).filter((q) => !known(ttft[q]));
  if (missing.length) notes.push(`concurrency ${concurrency}: TTFT ${missing.join(', ')} not in the file (run with --metric-percentiles 50,90,95,99): unknown`);
  return finishLevel(level, invalid);
}

function dist(b: Obj, metric: string, scale = 1): Percentiles {
  const d = first(b, [`metrics.${metric}.successful`]) as Obj | undefined;
  if (!isObj(d)) return { n: 0, mean: NaN, p50: NaN, p90: NaN, p95: NaN, p99: NaN, min: NaN, max: NaN };
  const pct = isObj(d.percentiles) ? d.percentiles : {};
  const s = (x: unknown) => num(x) * scale;
  return {
    n: num(d.count),
    mean: s(d.mean),
    p50: known(num(pct.p50)) ? s(pct.p50) : s(d.median),
    p90: s(pct.p90),
    p95: s(pct.p95),
    p99: s(pct.p99),
    min: s(d.min),
    max: s(d.max),
  };
}

export function guidellmLevel(b: Obj, shape: ShapeId, notes: string[]): LevelResult {
  const strategy = first(b, ['config.strategy', 'args.strategy', 'scheduler.strategy', 'strategy']) as Obj | undefined;
  const type = typeof strategy?.type_ === 'string' ? strategy.type_ : 'unknown';
  const invalid: string[] = [];
  let concurrency: number;
  if (type === 'concurrent') concurrency = num(strategy!.streams);
  else if (type === 'synchronous') concurrency = 1;
  else {
    concurrency = Math.round(num(get(b, 'metrics.request_concurrency.successful.mean')));
    invalid.push(`GuideLLM ${type} strategy is rate-based, not a fixed concurrency: shown at its mean concurrency`);
  }
  if (!known(concurrency)) concurrency = 0;
  const made = first(b, ['scheduler_metrics.requests_made', 'run_stats.requests_made', 'request_totals']) as Obj | undefined;
  const latency = dist(b, 'request_latency', 1000);
  const completed = known(num(made?.successful)) ? num(made!.successful) : latency.n;
  const failed = known(num(made?.errored)) ? num(made!.errored) : 0;
  let duration = num(b.duration);
  if (!known(duration)) duration = num(b.end_time) - num(b.start_time);
  const level = {
    shape,
    concurrency,
    windowMs: duration * 1000,
    completed,
    failed,
    errorsByClass: {},
    successRate: completed + failed > 0 ? completed / (completed + failed) : NaN,
    ttft: dist(b, 'time_to_first_token_ms'),
    tpot: dist(b, 'time_per_output_token_ms'),
    itl: dist(b, 'inter_token_latency_ms'),
    e2el: latency,
    reqPerS: num(get(b, 'metrics.requests_per_second.successful.mean')),
    outputTokPerS: num(get(b, 'metrics.output_tokens_per_second.successful.mean')),
    totalTokPerS: num(get(b, 'metrics.tokens_per_second.successful.mean')),
    goodput: NaN,
    tokenSource: 'mixed' as const,
    meanOutputTokens: num(get(b, 'metrics.output_token_count.successful.mean')),
    meanPromptTokens: num(get(b, 'metrics.prompt_token_count.successful.mean')),
    server: NO_SERVER,
    stopReason: `imported from GuideLLM (${type}${type === 'concurrent' ? `@${concurrency}` : ''})`,
  };
  if (!known(level.ttft.p95)) notes.push(`concurrency ${concurrency}: TTFT p95 not in the file: unknown`);
  return finishLevel(level, invalid);
}

/** Breaking point from imported levels, only when every level's TTFT p95 is known. */
export function importedBreakingPoint(shape: ShapeId, levels: LevelResult[]): BreakingPoint | null {
  const valid = levels.filter((l) => l.valid).sort((a, b) => a.concurrency - b.concurrency);
  if (!valid.length || valid.some((l) => !known(l.ttft.p95))) return null;
  const firstBreak = valid.find((l) => l.verdict === 'break');
  const passing = valid.filter((l) => l.verdict === 'pass' && (!firstBreak || l.concurrency < firstBreak.concurrency));
  return {
    shape,
    lastPassing: passing.length ? passing[passing.length - 1].concurrency : 0,
    firstFailing: firstBreak?.concurrency ?? null,
    rule: firstBreak ? firstBreak.brokeBy[0] ?? null : null,
    resolution: NaN,
    limitedBy: firstBreak ? (firstBreak.brokeBy[0] === 'success' ? 'errors' : 'unknown') : 'max-concurrency',
  };
}

/** Parse a result file's text: one JSON document, or JSON lines (vllm --append-result). */
export function parseResultText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const lines = text.split('\n').filter((l) => l.trim());
    try {
      return lines.map((l) => JSON.parse(l));
    } catch {
      throw new ImportError(`not JSON (${(err as Error).message})`);
    }
  }
}

export function importResults(raws: unknown[], opts: ImportOptions, format?: ImportFormat): ImportResult {
  const items = raws.flatMap((r) => (Array.isArray(r) ? r : [r]));
  const fmt = format ?? detectFormat(items.length === 1 ? items[0] : items);
  if (!fmt) throw new ImportError('not a GuideLLM benchmarks file nor a vllm bench serve result (use --format to say which)');
  const shape = opts.shape ?? 'support';
  const notes: string[] = [];
  if (!opts.shape) notes.push(`workload shape not given: recorded as '${shape}' (pass --shape)`);
  let levels: LevelResult[];
  let model = opts.model;
  let startedAt: string | null = null;
  if (fmt === 'vllm') {
    const runs = items.filter(isObj);
    if (!runs.length || !runs.every((r) => 'completed' in r)) throw new ImportError('vllm result: expected objects with "completed", "duration" and TTFT fields');
    levels = runs.map((r) => vllmLevel(r, shape, notes));
    model ??= typeof runs[0].model_id === 'string' ? runs[0].model_id : undefined;
    const d = typeof runs[0].date === 'string' ? /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})$/.exec(runs[0].date) : null;
    // vllm writes local time without a zone; it is kept as written, marked as local.
    if (d) startedAt = `${d[1]}-${d[2]}-${d[3]}T${d[4]}:${d[5]}:${d[6]}`;
  } else {
    const benches = items.flatMap((r) => (isObj(r) && Array.isArray(r.benchmarks) ? (r.benchmarks as unknown[]) : [])).filter(isObj);
    if (!benches.length) throw new ImportError('GuideLLM file: "benchmarks" is empty');
    levels = benches.map((b) => guidellmLevel(b, shape, notes));
    const m = first(items[0], ['args.model', 'metadata.model', 'benchmarks.0.config.requests.model']);
    model ??= typeof m === 'string' ? m : undefined;
    const t = num(first(benches[0], ['start_time', 'scheduler_metrics.measure_start_time', 'run_stats.start_time']));
    if (known(t)) startedAt = new Date(t * 1000).toISOString();
  }
  if (!model) notes.push('model not in the file: unknown (pass --model)');
  if (!opts.gpuShape) notes.push('GPU shape not in the file: unknown (pass --gpu-shape)');
  levels.forEach(checkLevelNumbers);
  levels.sort((a, b) => a.concurrency - b.concurrency);

  const meta: SessionMeta = {
    id: opts.id,
    nimbleVersion: opts.nimbleVersion,
    mode: 'import',
    startedAt: startedAt ?? opts.importedAt.toISOString(),
    model: model ?? 'unknown',
    gpuShape: opts.gpuShape ?? 'unknown',
    // 0 = unknown: no per-GPU economics are derived for imports.
    gpuCount: opts.gpuCount ?? 0,
    priceTable: opts.priceTable,
    targetTier: 'slow',
    flags: { source: opts.source, format: fmt, importedAt: opts.importedAt.toISOString() },
    shapes: [shape],
  };
  const bodies: EventBody[] = [
    { type: 'session.started', meta },
    { type: 'log', source: 'import', level: 'info', line: `imported ${levels.length} level(s) from ${fmt} file ${opts.source}` },
    ...notes.map((line): EventBody => ({ type: 'log', source: 'import', level: 'warn', line })),
    // No stage events: an import has no deploy/test/cleanup times of its own (unknown, not 0).
    { type: 'sweep.started', shapes: [shape], maxConcurrency: Math.max(0, ...levels.map((l) => l.concurrency)) },
    ...levels.map((level): EventBody => ({ type: 'level.finished', level })),
  ];
  const bp = importedBreakingPoint(shape, levels);
  if (bp) bodies.push({ type: 'sweep.finished', shape, breakingPoint: bp, economics: null });
  else notes.push('breaking point not judged: TTFT p95 unknown for some level');
  bodies.push({ type: 'session.ended', status: 'completed', reason: `imported from ${fmt}` });
  const events = bodies.map((b, seq) => ({ ...b, seq, t: 0, wall: 0 }) as NimbleEvent);
  return { format: fmt, events, notes };
}

// What a real benchmark can report: a negative count, a zero-length run or a latency of 1e308 ms is
// a broken or hostile file, not a measurement; importing it would show it as a completed session.
const MAX_MS = 1e8; // about 28 hours
const MAX_COUNT = 1e9;
const MAX_RATE = 1e9;

/** Throws ImportError naming the level, the field, the value and the rule. */
export function checkLevelNumbers(l: LevelResult, i: number): void {
  const where = `level ${i + 1}${Number.isFinite(l.concurrency) ? ` (concurrency ${l.concurrency})` : ''}`;
  const bad = (field: string, v: number, rule: string) => {
    throw new ImportError(`${where}: ${field} ${Number.isNaN(v) ? 'is missing' : `is ${v}`}, must be ${rule}`);
  };
  // 0 stands for "unknown" (no --max-concurrency, a rate-based GuideLLM run): such a level is invalid.
  if (!Number.isInteger(l.concurrency) || l.concurrency < 0 || l.concurrency > 1e6 || (l.concurrency === 0 && l.valid)) bad('concurrency', l.concurrency, 'a whole number from 1 to 1000000');
  if (!Number.isInteger(l.completed) || l.completed < 0 || l.completed > MAX_COUNT) bad('completed requests', l.completed, `a whole number from 0 to ${MAX_COUNT}`);
  if (!Number.isInteger(l.failed) || l.failed < 0 || l.failed > MAX_COUNT) bad('failed requests', l.failed, `a whole number from 0 to ${MAX_COUNT}`);
  if (l.completed + l.failed === 0) bad('completed + failed requests', 0, 'at least 1');
  if (known(l.windowMs) && !(l.windowMs > 0 && l.windowMs <= 1e10)) bad('duration (ms)', l.windowMs, 'above 0 and at most 1e10');
  for (const [name, p] of [['TTFT', l.ttft], ['TPOT', l.tpot], ['ITL', l.itl], ['request latency', l.e2el]] as const) {
    const positive = name === 'TTFT' || name === 'request latency';
    for (const q of ['mean', 'p50', 'p90', 'p95', 'p99', 'min', 'max'] as const) {
      const v = p[q];
      if (known(v) && !((positive ? v > 0 : v >= 0) && v <= MAX_MS)) bad(`${name} ${q} (ms)`, v, `${positive ? 'above 0' : '0 or more'} and at most ${MAX_MS}`);
    }
  }
  for (const [name, v] of [['requests/s', l.reqPerS], ['output tokens/s', l.outputTokPerS], ['total tokens/s', l.totalTokPerS], ['mean output tokens', l.meanOutputTokens], ['mean prompt tokens', l.meanPromptTokens]] as const) {
    if (known(v) && !(v >= 0 && v <= MAX_RATE)) bad(name, v, `0 or more and at most ${MAX_RATE}`);
  }
}
