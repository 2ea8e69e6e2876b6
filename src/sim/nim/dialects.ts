// The simulator can speak the health path and metric names of other OpenAI-compatible engines,
// so nimble's engine-agnostic smoke test and metric families are tested against each (issue 9).
// Names follow ../shared/reference/load-testing.md §4; "-old" dialects use the names older
// releases exported (vLLM gpu_cache_usage_perc, llama.cpp kv_cache_usage_ratio).

export const DIALECTS = ['nim', 'vllm', 'vllm-old', 'sglang', 'tgi', 'llamacpp', 'llamacpp-old', 'none'] as const;
export type Dialect = (typeof DIALECTS)[number];

export function isDialect(s: string): s is Dialect {
  return (DIALECTS as readonly string[]).includes(s);
}

/** Where the dialect answers readiness (null: no health endpoint at all). */
export function healthPaths(d: Dialect): { ready: string | null; live: string | null } {
  if (d === 'nim') return { ready: '/v1/health/ready', live: '/v1/health/live' };
  if (d === 'none') return { ready: null, live: null };
  return { ready: '/health', live: null };
}

/** Paths serving Prometheus text (none for 'none'). */
export function metricsPaths(d: Dialect): string[] {
  if (d === 'nim') return ['/v1/metrics', '/metrics'];
  if (d === 'none') return [];
  return ['/metrics'];
}

interface Gauges {
  running: number;
  waiting: number;
  kvUsage: number;
  promptTokens: number;
  generationTokens: number;
}

/** Prometheus text for a non-NIM dialect (NIM's own rendering lives in metrics.ts). */
export function renderDialectMetrics(d: Exclude<Dialect, 'nim' | 'none'>, model: string, g: Gauges): string {
  const m = model.replace(/["\\\n]/g, '_');
  const gauge = (name: string, v: number, labels = `model_name="${m}"`) => `# TYPE ${name} gauge\n${name}${labels ? `{${labels}}` : ''} ${v}`;
  const counter = (name: string, v: number, labels = `model_name="${m}"`) => `# TYPE ${name} counter\n${name}${labels ? `{${labels}}` : ''} ${v}`;
  const lines: string[] = [];
  switch (d) {
    case 'vllm':
    case 'vllm-old':
      lines.push(
        gauge('vllm:num_requests_running', g.running, `engine="0",model_name="${m}"`),
        gauge('vllm:num_requests_waiting', g.waiting, `engine="0",model_name="${m}"`),
        gauge(d === 'vllm' ? 'vllm:kv_cache_usage_perc' : 'vllm:gpu_cache_usage_perc', g.kvUsage, `engine="0",model_name="${m}"`),
        counter('vllm:prompt_tokens_total', g.promptTokens),
        counter('vllm:generation_tokens_total', g.generationTokens),
      );
      break;
    case 'sglang':
      lines.push(
        gauge('sglang:num_running_reqs', g.running),
        gauge('sglang:num_queue_reqs', g.waiting),
        gauge('sglang:token_usage', g.kvUsage),
        counter('sglang:prompt_tokens_total', g.promptTokens),
        counter('sglang:generation_tokens_total', g.generationTokens),
      );
      break;
    case 'tgi':
      // TGI exports no KV-cache gauge.
      lines.push(gauge('tgi_batch_current_size', g.running, ''), gauge('tgi_queue_size', g.waiting, ''), counter('tgi_request_generated_tokens_sum', g.generationTokens, ''));
      break;
    case 'llamacpp':
    case 'llamacpp-old':
      // Current builds dropped kv_cache_usage_ratio; the old ones had it.
      lines.push(
        gauge('llamacpp:requests_processing', g.running, ''),
        gauge('llamacpp:requests_deferred', g.waiting, ''),
        counter('llamacpp:prompt_tokens_total', g.promptTokens, ''),
        counter('llamacpp:tokens_predicted_total', g.generationTokens, ''),
        ...(d === 'llamacpp-old' ? [gauge('llamacpp:kv_cache_usage_ratio', g.kvUsage, '')] : []),
      );
      break;
  }
  return lines.join('\n') + '\n';
}
