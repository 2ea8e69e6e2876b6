// Prometheus text exposition with NIM's metric names (no prefix), as served on /v1/metrics and
// /metrics. Buckets follow vLLM's. time_per_output_token_seconds is observed once per finished
// request (its mean inter-token time), not once per token, to keep the per-token cost nil.

const TTFT_BUCKETS = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560];
const TPOT_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80];
const E2E_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680];

export class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: readonly number[]) {
    this.counts = new Array(buckets.length).fill(0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) {
      if (v <= this.buckets[i]) {
        this.counts[i]++;
        return;
      }
    }
  }
  render(name: string, help: string, labels: string): string {
    const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
    let cum = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      cum += this.counts[i];
      lines.push(`${name}_bucket{${labels},le="${fmt(this.buckets[i])}"} ${cum}`);
    }
    lines.push(`${name}_bucket{${labels},le="+Inf"} ${this.count}`);
    lines.push(`${name}_sum{${labels}} ${fmt(this.sum)}`);
    lines.push(`${name}_count{${labels}} ${this.count}`);
    return lines.join('\n');
  }
}

function fmt(v: number): string {
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
}

// Deterministic mode only: how late each token left the simulator against its schedule, so a
// fidelity benchmark can tell the server's lateness from the load generator's.
const LATENESS_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5];

export class NimMetrics {
  /** Set in deterministic mode: served as nimble_sim_token_lateness_seconds. */
  readonly lateness: Histogram | null;
  constructor(opts: { lateness?: boolean } = {}) {
    this.lateness = opts.lateness ? new Histogram(LATENESS_BUCKETS) : null;
  }
  promptTokens = 0;
  generationTokens = 0;
  success: Record<'stop' | 'length', number> = { stop: 0, length: 0 };
  readonly ttft = new Histogram(TTFT_BUCKETS);
  readonly tpot = new Histogram(TPOT_BUCKETS);
  readonly e2e = new Histogram(E2E_BUCKETS);

  /** Record a finished request; times in ms. */
  finished(r: { promptTokens: number; outputTokens: number; ttftMs: number; e2eMs: number; reason: 'stop' | 'length' }): void {
    this.success[r.reason]++;
    this.ttft.observe(r.ttftMs / 1000);
    this.e2e.observe(r.e2eMs / 1000);
    if (r.outputTokens > 1) this.tpot.observe((r.e2eMs - r.ttftMs) / 1000 / (r.outputTokens - 1));
  }

  render(model: string, g: { running: number; waiting: number; maxNumSeqs: number; kvUsage: number }): string {
    const l = `model_name="${model.replace(/["\\\n]/g, '_')}"`;
    const gauge = (name: string, help: string, v: number) => `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name}{${l}} ${v}`;
    const counter = (name: string, help: string, v: number) => `# HELP ${name} ${help}\n# TYPE ${name} counter\n${name}{${l}} ${v}`;
    return (
      [
        gauge('num_requests_running', 'Number of requests currently running on GPU.', g.running),
        gauge('num_requests_waiting', 'Number of requests waiting to be processed.', g.waiting),
        gauge('num_request_max', 'Max number of concurrently running requests.', g.maxNumSeqs),
        gauge('gpu_cache_usage_perc', 'GPU KV-cache usage. 1 means 100 percent usage.', g.kvUsage),
        counter('prompt_tokens_total', 'Number of prefill tokens processed.', this.promptTokens),
        counter('generation_tokens_total', 'Number of generation tokens processed.', this.generationTokens),
        `# HELP request_success_total Count of successfully processed requests.\n# TYPE request_success_total counter\n` +
          `request_success_total{${l},finished_reason="stop"} ${this.success.stop}\n` +
          `request_success_total{${l},finished_reason="length"} ${this.success.length}`,
        this.ttft.render('time_to_first_token_seconds', 'Histogram of time to first token in seconds.', l),
        this.tpot.render('time_per_output_token_seconds', 'Histogram of time per output token in seconds.', l),
        this.e2e.render('e2e_request_latency_seconds', 'Histogram of end to end request latency in seconds.', l),
        ...(this.lateness
          ? [this.lateness.render('nimble_sim_token_lateness_seconds', 'Simulator only: token written this late against its deterministic schedule.', l)]
          : []),
      ].join('\n') + '\n'
    );
  }
}
