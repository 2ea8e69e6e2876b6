import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectEngine, parsePrometheus, toServerSample } from './server-metrics.ts';

const NIM = `# HELP num_requests_running Number of requests currently running on GPU.
# TYPE num_requests_running gauge
num_requests_running{model_name="meta/llama-3.1-8b-instruct"} 6.0
# HELP num_requests_waiting Number of requests waiting to be processed.
num_requests_waiting{model_name="meta/llama-3.1-8b-instruct"} 2.0
gpu_cache_usage_perc{model_name="meta/llama-3.1-8b-instruct"} 0.42
time_to_first_token_seconds_bucket{le="0.1",model_name="m"} 3
`;
const VLLM_NEW = `vllm:num_requests_running{engine="0",model_name="m"} 3
vllm:num_requests_waiting{engine="0",model_name="m"} 0
vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.125
vllm:inter_token_latency_seconds_count{model_name="m"} 10`;
const VLLM_OLD = `vllm:num_requests_running{model_name="m"} 1.0
vllm:num_requests_waiting{model_name="m"} 4.0
vllm:gpu_cache_usage_perc{model_name="m"} 0.9`;
const LLAMACPP = `# HELP llamacpp:requests_processing Number of requests processing.
llamacpp:requests_processing 2
llamacpp:requests_deferred 1
llamacpp:predicted_tokens_seconds 35.1`;
const TGI = `tgi_batch_current_size 8
tgi_queue_size 0
tgi_request_mean_time_per_token_duration_sum 1.5`;
const SGLANG = `sglang:num_running_reqs{model_name="m"} 5.0
sglang:num_queue_reqs{model_name="m"} 7.0
sglang:token_usage{model_name="m"} 0.33`;

test('parses names, labels (with escapes), values, and skips comments and junk', () => {
  const s = parsePrometheus('# c\na{x="1",y="q\\"t"} 2.5 1700000000\nb 3\nnot a metric line at all\nc NaN\n');
  assert.deepEqual(s[0], { name: 'a', labels: { x: '1', y: 'q"t' }, value: 2.5 });
  assert.equal(s[1].value, 3);
  assert.ok(Number.isNaN(s[2].value));
  assert.equal(s.length, 3);
});

test('each engine is detected and read; what it lacks is null, never 0', () => {
  assert.deepEqual(toServerSample(NIM, 1), { t: 1, engine: 'nim', running: 6, waiting: 2, kvCache: 0.42 });
  assert.deepEqual(toServerSample(VLLM_NEW, 1), { t: 1, engine: 'vllm', running: 3, waiting: 0, kvCache: 0.125 });
  assert.deepEqual(toServerSample(VLLM_OLD, 1), { t: 1, engine: 'vllm', running: 1, waiting: 4, kvCache: 0.9 });
  assert.deepEqual(toServerSample(LLAMACPP, 1), { t: 1, engine: 'llamacpp', running: 2, waiting: 1, kvCache: null });
  assert.deepEqual(toServerSample(TGI, 1), { t: 1, engine: 'tgi', running: 8, waiting: 0, kvCache: null });
  assert.deepEqual(toServerSample(SGLANG, 1), { t: 1, engine: 'sglang', running: 5, waiting: 7, kvCache: 0.33 });
  assert.deepEqual(toServerSample('process_cpu_seconds_total 12\n', 1), { t: 1, engine: 'unknown', running: null, waiting: null, kvCache: null });
});

test('a known engine missing a gauge reads it as unknown', () => {
  assert.deepEqual(toServerSample('vllm:num_requests_running 2\n', 0), { t: 0, engine: 'vllm', running: 2, waiting: null, kvCache: null });
  assert.equal(detectEngine(parsePrometheus('tgi_request_count 3\n')), 'tgi');
});

test('several label sets: queue counts add up, cache use is the fullest', () => {
  const s = toServerSample('num_requests_waiting{model_name="a"} 1\nnum_requests_waiting{model_name="b"} 2\ngpu_cache_usage_perc{model_name="a"} 0.2\ngpu_cache_usage_perc{model_name="b"} 0.7\n', 0);
  assert.equal(s.waiting, 3);
  assert.equal(s.kvCache, 0.7);
  assert.equal(s.running, null);
});

test('gauges renamed within their family are still read (engine versions drift)', () => {
  // vLLM V1 renamed gpu_cache_usage_perc; a NIM on it serves the new unprefixed name.
  assert.equal(toServerSample('num_requests_running 1\nnum_requests_waiting 0\nkv_cache_usage_perc 0.5\n', 0).kvCache, 0.5);
  // A future llama.cpp spelling of the KV gauge, an SGLang waiting-queue rename.
  assert.deepEqual(toServerSample('llamacpp:requests_processing 3\nllamacpp:requests_deferred 2\nllamacpp:kv_cache_usage_perc 0.25\n', 0), { t: 0, engine: 'llamacpp', running: 3, waiting: 2, kvCache: 0.25 });
  assert.equal(toServerSample('sglang:num_running_reqs 1\nsglang:num_waiting_reqs 4\n', 0).waiting, 4);
  // Detected by the family alone, with none of the listed names present.
  assert.equal(detectEngine(parsePrometheus('vllm:cpu_kv_cache_usage_perc 0.1\n')), 'vllm');
  // Exact names win over the family, current before deprecated.
  assert.equal(toServerSample('vllm:num_requests_running 1\nvllm:gpu_cache_usage_perc 0.9\nvllm:kv_cache_usage_perc 0.2\n', 0).kvCache, 0.2);
  // Unrelated names with similar words are not taken for a gauge.
  const s = toServerSample('vllm:num_requests_running 1\nvllm:cache_config_info{block_size="16"} 1\nvllm:prefix_cache_hits_total 40\n', 0);
  assert.equal(s.kvCache, null);
  assert.equal(s.waiting, null);
});
