// Prometheus text-format parsing and inference-engine detection (load-testing.md §4).
// A metric the engine does not expose is null ("unknown"), never 0.
import type { ServerSample } from './sweep-types.ts';

export interface PromSeries {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition format 0.0.4. Lines it cannot read are skipped, not fatal. */
export function parsePrometheus(text: string): PromSeries[] {
  const out: PromSeries[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$/.exec(line);
    if (!m) continue;
    const value = parseValue(m[4]);
    if (value === null) continue;
    out.push({ name: m[1], labels: m[3] ? parseLabels(m[3]) : {}, value });
  }
  return out;
}

function parseValue(s: string): number | null {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  const v = Number(s);
  return Number.isNaN(v) ? null : v;
}

function parseLabels(s: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s))) labels[m[1]] = m[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  return labels;
}

export type Engine = ServerSample['engine'];

interface EngineNames {
  running: string[];
  waiting: string[];
  kvCache: string[];
}

/**
 * Exact names, first present wins: current names before deprecated ones. Engines rename gauges
 * between versions (vLLM gpu_cache_usage_perc → kv_cache_usage_perc; llama.cpp dropped
 * kv_cache_usage_ratio), so a name not listed here is still read when it matches its engine's
 * family pattern below. README "Server metrics" lists both.
 */
export const ENGINE_METRICS: Record<Exclude<Engine, 'unknown'>, EngineNames> = {
  nim: { running: ['num_requests_running'], waiting: ['num_requests_waiting'], kvCache: ['gpu_cache_usage_perc', 'kv_cache_usage_perc'] },
  vllm: {
    running: ['vllm:num_requests_running'],
    waiting: ['vllm:num_requests_waiting'],
    kvCache: ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'],
  },
  llamacpp: { running: ['llamacpp:requests_processing'], waiting: ['llamacpp:requests_deferred'], kvCache: ['llamacpp:kv_cache_usage_ratio'] },
  tgi: { running: ['tgi_batch_current_size'], waiting: ['tgi_queue_size'], kvCache: [] },
  sglang: { running: ['sglang:num_running_reqs'], waiting: ['sglang:num_queue_reqs'], kvCache: ['sglang:token_usage'] },
};

/** Family patterns per engine and signal: a renamed gauge of the same family is still found. */
export const METRIC_FAMILIES: Record<Exclude<Engine, 'unknown'>, Record<keyof EngineNames, RegExp | null>> = {
  nim: { running: /^num_requests_running$/, waiting: /^num_requests_(waiting|queued)$/, kvCache: /^(gpu_|kv_)?(gpu_)?cache_usage_(perc|ratio)$/ },
  vllm: { running: /^vllm:num_requests_running$/, waiting: /^vllm:num_requests_(waiting|queued)$/, kvCache: /^vllm:(gpu_|kv_|cpu_kv_)?cache_usage_(perc|ratio)$/ },
  llamacpp: { running: /^llamacpp:requests_(processing|running)$/, waiting: /^llamacpp:requests_(deferred|waiting|queued)$/, kvCache: /^llamacpp:kv_cache_usage_(ratio|perc)$/ },
  tgi: { running: /^tgi_batch_current_size$/, waiting: /^tgi_queue_(size|length)$/, kvCache: null },
  sglang: { running: /^sglang:num_running_reqs$/, waiting: /^sglang:num_(queue|waiting)_reqs$/, kvCache: /^sglang:(token_usage|kv_cache_usage(_perc|_ratio)?)$/ },
};

/** NIM first: a NIM serves unprefixed names even where its backend also exports its own. */
const DETECT_ORDER: Exclude<Engine, 'unknown'>[] = ['nim', 'vllm', 'sglang', 'llamacpp', 'tgi'];

export function detectEngine(series: PromSeries[]): Engine {
  const names = new Set(series.map((s) => s.name));
  for (const engine of DETECT_ORDER) {
    const n = ENGINE_METRICS[engine];
    const f = METRIC_FAMILIES[engine];
    if ([...n.running, ...n.waiting, ...n.kvCache].some((x) => names.has(x))) return engine;
    if ([...names].some((x) => [f.running, f.waiting, f.kvCache].some((re) => re?.test(x)))) return engine;
  }
  // Fall back on prefixes: an engine we know, whose gauges are missing from this build.
  for (const s of series) {
    if (s.name.startsWith('vllm:')) return 'vllm';
    if (s.name.startsWith('sglang:')) return 'sglang';
    if (s.name.startsWith('llamacpp:')) return 'llamacpp';
    if (s.name.startsWith('tgi_')) return 'tgi';
  }
  return 'unknown';
}

function combineVals(vals: number[], combine: 'sum' | 'max'): number {
  // Several label sets (e.g. one per model): queue counts add up, cache use is the fullest.
  return combine === 'sum' ? vals.reduce((a, b) => a + b, 0) : vals.reduce((a, b) => Math.max(a, b), -Infinity);
}

function pick(series: PromSeries[], names: string[], family: RegExp | null, combine: 'sum' | 'max'): number | null {
  for (const name of names) {
    const vals = series.filter((s) => s.name === name && Number.isFinite(s.value)).map((s) => s.value);
    if (vals.length) return combineVals(vals, combine);
  }
  if (!family) return null;
  // The first name of the family present (in exposition order), all its label sets.
  const first = series.find((s) => family.test(s.name) && Number.isFinite(s.value));
  if (!first) return null;
  return combineVals(series.filter((s) => s.name === first.name && Number.isFinite(s.value)).map((s) => s.value), combine);
}

/** One scrape → ServerSample. `engine` may be forced when already detected. */
export function toServerSample(text: string, t: number, engine?: Engine): ServerSample {
  const series = parsePrometheus(text);
  const e = engine && engine !== 'unknown' ? engine : detectEngine(series);
  if (e === 'unknown') return { t, engine: e, running: null, waiting: null, kvCache: null };
  const n = ENGINE_METRICS[e];
  const fam = METRIC_FAMILIES[e];
  let kv = pick(series, n.kvCache, fam.kvCache, 'max');
  // Every engine in the table reports 0..1; a value above 1 can only be a percentage.
  if (kv !== null && kv > 1 && kv <= 100) kv = kv / 100;
  return { t, engine: e, running: pick(series, n.running, fam.running, 'sum'), waiting: pick(series, n.waiting, fam.waiting, 'sum'), kvCache: kv };
}

/** Where to look for metrics, in order: NIM's path, then the common one. */
export const METRICS_PATHS = ['/v1/metrics', '/metrics'] as const;

/** What the sweep knows about the server's own gauges (a fact in the session: views say it). */
export interface ServerMetricsInfo {
  available: boolean;
  engine: Engine;
  /** The metrics path that answered, null when none did. */
  path: string | null;
  /** Why not available, or what was found. */
  detail: string;
}

/** Said wherever server metrics are missing (smoke check, sweep, summary). */
export const NO_METRICS_NOTE = 'the sweep runs on client-side rules alone (TTFT p95, success rate); queue and KV cache unknown';

/** One line for every view when the server's gauges are missing; null when they were read. */
export function serverMetricsLine(info: ServerMetricsInfo | undefined): string | null {
  if (!info || info.available) return null;
  return `no server metrics (${info.detail}): ${NO_METRICS_NOTE}`;
}
