// The three load generators of `npm run bench -- peers` — nimble, NVIDIA AIPerf and GuideLLM — each
// run as its own process tree against a fresh deterministic simulator, with its CPU measured the
// same way for all three, and its own result file read into one row per concurrency level.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';

export interface PeerWorkload {
  url: string;
  model: string;
  promptTokens: number;
  outputTokens: number;
  levels: { concurrency: number; requests: number }[];
}

/** One concurrency level as a tool reported it. ms and tok/s; null where the tool has no such figure. */
export interface PeerLevel {
  concurrency: number;
  completed: number;
  failed: number;
  ttftP50: number | null;
  ttftP95: number | null;
  /** Per-chunk gaps (nimble's ITL; AIPerf's inter_chunk_latency). */
  gapP50: number | null;
  gapP99: number | null;
  /** Per-request (latency − TTFT) / (tokens − 1): AIPerf's and GuideLLM's "ITL", nimble's TPOT. */
  tpotP50: number | null;
  tpotP99: number | null;
  outTokS: number | null;
  note?: string;
}

export interface ToolRun {
  tool: string;
  rows: PeerLevel[];
  wallS: number;
  /** CPU seconds of the tool's whole process tree, start-up and reports included. */
  cpuWholeS: number;
  /** CPU seconds spent in the sampling intervals in which the simulator streamed tokens. */
  cpuStreamS: number;
  /** Output tokens the simulator generated for this tool (warm-up included), and in those intervals. */
  tokens: number;
  streamTokens: number;
  load1: number;
}

export interface Tool {
  name: string;
  /** Command, arguments and environment, given a scratch folder; parse() reads its results. */
  command(w: PeerWorkload, dir: string): { argv: string[]; env?: NodeJS.ProcessEnv };
  parse(w: PeerWorkload, dir: string): PeerLevel[];
}

const CLK_TCK = 100; // Linux USER_HZ: /proc/PID/stat times are in 1/100 s

/** CPU seconds of `root` and all its descendants, live ones and reaped ones (cutime/cstime). */
export function treeCpuS(root: number): number {
  const kids = new Map<number, number[]>();
  const cpu = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // After "pid (comm) ": state ppid … utime(11) stime(12) cutime(13) cstime(14)
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(e);
    const ppid = Number(f[1]);
    cpu.set(pid, (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / CLK_TCK);
    (kids.get(ppid) ?? kids.set(ppid, []).get(ppid)!).push(pid);
  }
  let sum = 0;
  const todo = [root];
  while (todo.length) {
    const p = todo.pop()!;
    sum += cpu.get(p) ?? 0;
    todo.push(...(kids.get(p) ?? []));
  }
  return sum;
}

async function simTokens(url: string): Promise<number> {
  const r = await fetch(`${url}/metrics`);
  const m = /^\S*generation_tokens_total(?:\{[^}]*\})?\s+(\S+)/m.exec(await r.text());
  if (!m) throw new Error('simulator metrics carry no generation_tokens_total');
  return Number(m[1]);
}

// Runs the tool under a small Python parent that reports getrusage(RUSAGE_CHILDREN) when the tool
// exits: the whole tree's CPU, including processes that ended before the last /proc sample.
const RUSAGE = `import json, resource, subprocess, sys
rc = subprocess.call(sys.argv[2:])
r = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write(json.dumps({"rc": rc, "cpu": r.ru_utime + r.ru_stime}))
sys.exit(rc)`;

export async function runTool(tool: Tool, w: PeerWorkload, dir: string, python: string, timeoutMs: number): Promise<ToolRun> {
  mkdirSync(dir, { recursive: true });
  const { argv, env } = tool.command(w, dir);
  const usageFile = join(dir, 'rusage.json');
  const log = openSync(join(dir, 'tool.log'), 'w');
  const load1 = loadavg()[0];
  const t0 = performance.now();
  const tok0 = await simTokens(w.url);
  // A process group of its own, so a time-out or an error ends the tool's whole tree, not only
  // the wrapper (AIPerf and GuideLLM run several processes each).
  const child = spawn(python, ['-c', RUSAGE, usageFile, ...argv], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', log, log], detached: true });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => (done = true));
  const killTree = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  // Detached, the tree no longer gets the terminal's Ctrl-C: pass it on.
  const onSigint = () => {
    killTree();
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  let timedOut = false;
  const timer = setTimeout(() => ((timedOut = true), killTree()), timeoutMs);
  // Every 100 ms: tree CPU and the simulator's token counter; CPU counts as "while streaming"
  // for each interval in which tokens were generated.
  let prev = { cpu: 0, tok: tok0 };
  let cpuStreamS = 0;
  let streamTokens = 0;
  try {
    while (!done) {
      await new Promise((r) => setTimeout(r, 100));
      if (done || child.pid === undefined) break;
      const cpu = treeCpuS(child.pid);
      const tok = await simTokens(w.url);
      if (tok > prev.tok) {
        cpuStreamS += Math.max(0, cpu - prev.cpu);
        streamTokens += tok - prev.tok;
      }
      prev = { cpu, tok };
    }
    const rc = await exited;
    const wallS = (performance.now() - t0) / 1000;
    if (rc !== 0) {
      const why = timedOut ? `was stopped after ${timeoutMs / 60_000} minutes` : `exited with ${rc}`;
      throw new Error(`${tool.name} ${why}; its output is in ${join(dir, 'tool.log')}`);
    }
    const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { cpu: number };
    const tokens = (await simTokens(w.url)) - tok0;
    return { tool: tool.name, rows: tool.parse(w, dir), wallS, cpuWholeS: usage.cpu, cpuStreamS, tokens, streamTokens, load1 };
  } finally {
    clearTimeout(timer);
    if (!done) killTree();
    process.off('SIGINT', onSigint);
    closeSync(log);
  }
}

const offline = (venv: string): NodeJS.ProcessEnv => ({
  // Everything local: the tokenizer comes from the venv's own Hugging Face cache, nothing is fetched.
  HF_HOME: join(venv, 'hf-home'),
  HF_HUB_OFFLINE: '1',
  TRANSFORMERS_OFFLINE: '1',
  HF_DATASETS_OFFLINE: '1',
  HF_HUB_DISABLE_TELEMETRY: '1',
  DO_NOT_TRACK: '1',
  NO_COLOR: '1',
});
/** Repo id of the GPT-2 tokenizer that scripts/peers-venv.sh puts in the venv's HF cache. */
const TOKENIZER = 'nimble-local/gpt2';

export const nimbleTool: Tool = {
  name: 'nimble',
  command: (w, dir) => ({
    // tsx by its resolved URL: the tool runs in a scratch folder, where a bare 'tsx' does not resolve.
    argv: [process.execPath, '--import', import.meta.resolve('tsx'), new URL('./peers-nimble.ts', import.meta.url).pathname, join(dir, 'nimble.json'), JSON.stringify(w)],
  }),
  parse: (_w, dir) => JSON.parse(readFileSync(join(dir, 'nimble.json'), 'utf8')) as PeerLevel[],
};

type AiperfStat = { avg?: number; p50?: number; p95?: number; p99?: number };
const shq = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
export const aiperfTool = (venv: string): Tool => ({
  name: 'AIPerf',
  // One invocation per level, in one shell (one process tree to measure): a zip sweep would start
  // once, but its warm-up cannot differ per level; this way each level warms up with one round of
  // N requests, as nimble's does.
  command: (w, dir) => ({
    argv: [
      'bash', '-ec',
      w.levels
        .map(({ concurrency, requests }) =>
          [
            join(venv, 'bin', 'aiperf'), 'profile',
            '--model', w.model, '--url', w.url, '--endpoint-type', 'chat', '--streaming',
            '--tokenizer', TOKENIZER,
            '--isl', String(w.promptTokens), '--isl-stddev', '0', '--osl', String(w.outputTokens), '--osl-stddev', '0',
            '--extra-inputs', 'ignore_eos:true', '--extra-inputs', `min_tokens:${w.outputTokens}`,
            '--concurrency', String(concurrency), '--request-count', String(requests),
            '--warmup-request-count', String(concurrency),
            '--use-server-token-count', '--ui', 'none', '--no-server-metrics', '--no-gpu-telemetry',
            '--random-seed', '1', '--output-artifact-dir', join(dir, 'aiperf', `concurrency_${concurrency}__requests_${requests}`),
          ]
            .map(shq)
            .join(' '),
        )
        .join('\n'),
    ],
    env: offline(venv),
  }),
  parse: (w, dir) =>
    w.levels.map(({ concurrency, requests }) => {
      const cell = join(dir, 'aiperf', `concurrency_${concurrency}__requests_${requests}`);
      const file = [join(cell, 'phases', 'profiling', 'profile_export_aiperf.json'), join(cell, 'profile_export_aiperf.json')].find(existsSync);
      if (!file) throw new Error(`AIPerf wrote no result for concurrency ${concurrency} (looked in ${cell})`);
      const d = JSON.parse(readFileSync(file, 'utf8')) as Record<string, AiperfStat | undefined>;
      const n = (k: string, f: keyof AiperfStat) => d[k]?.[f] ?? null;
      const completed = n('completed_request_count', 'avg') ?? n('request_count', 'avg') ?? 0;
      return {
        concurrency,
        completed,
        failed: n('error_request_count', 'avg') ?? 0,
        ttftP50: n('time_to_first_token', 'p50'),
        ttftP95: n('time_to_first_token', 'p95'),
        gapP50: n('inter_chunk_latency', 'p50'),
        gapP99: n('inter_chunk_latency', 'p99'),
        tpotP50: n('inter_token_latency', 'p50'),
        tpotP99: n('inter_token_latency', 'p99'),
        outTokS: n('output_token_throughput', 'avg'),
      };
    }),
});

type GlDist = { percentiles?: Record<string, number>; mean?: number };
export const guidellmTool = (venv: string): Tool => ({
  name: 'GuideLLM',
  command: (w, dir) => {
    const first = w.levels[0];
    // One scenario, one sub-benchmark per level. The warm-up must be the same for every
    // sub-benchmark (a per-level value is refused) and a duration warm-up was not applied, so: the
    // first 1/8 of each level's requests (3 at c=1, 56 at c=64), at least `requests` measured.
    // Whole rounds of c: GuideLLM's tok/s spans the last requests too, and a partial last round
    // (2 of 16 users busy for a whole request) read as 11 % less throughput at c=16.
    const WARM = 0.125;
    const count = (requests: number, c: number) => c * Math.ceil(requests / (c * (1 - WARM)));
    const scenario = {
      metadata: { name: 'nimble-peers', description: 'npm run bench -- peers' },
      spec: {
        backend: {
          kind: 'openai_http', target: w.url, model: w.model, request_format: '/v1/chat/completions',
          http2: false, stream: true,
          // Its health probe is GET /health (vLLM's); the simulator speaks NIM's /v1/health/ready.
          validate_backend: false,
          extras: { body: { ignore_eos: true, min_tokens: w.outputTokens } },
        },
        profile: { kind: 'concurrent', streams: [first.concurrency], warmup: { mode: 'requests', percent: WARM } },
        tokenizer: { kind: 'huggingface_auto', model: TOKENIZER },
        data: [{ kind: 'synthetic_text', prompt_tokens: w.promptTokens, output_tokens: w.outputTokens }],
        constraints: [{ kind: 'max_requests', count: count(first.requests, first.concurrency) }],
        outputs: [{ kind: 'json', path: join(dir, 'guidellm.json') }],
      },
      benchmarks: w.levels.map((l) => ({
        'profile.streams': l.concurrency,
        'constraints[0].count': count(l.requests, l.concurrency),
      })),
    };
    writeFileSync(join(dir, 'scenario.json'), JSON.stringify(scenario, null, 2));
    return { argv: [join(venv, 'bin', 'guidellm'), 'run', '--scenario', join(dir, 'scenario.json'), '--disable-progress'], env: offline(venv) };
  },
  parse: (w, dir) => {
    const d = JSON.parse(readFileSync(join(dir, 'guidellm.json'), 'utf8')) as {
      benchmarks: { config: { strategy: { streams?: number } }; metrics: Record<string, { successful?: GlDist; total?: GlDist } & Record<string, unknown>> }[];
    };
    return w.levels.map(({ concurrency }) => {
      const b = d.benchmarks.find((x) => x.config.strategy.streams === concurrency);
      if (!b) throw new Error(`GuideLLM reported no benchmark at concurrency ${concurrency}`);
      const p = (k: string, q: string) => b.metrics[k]?.successful?.percentiles?.[q] ?? null;
      const totals = b.metrics.request_totals as unknown as { successful: number; errored: number; incomplete: number };
      return {
        concurrency,
        completed: totals.successful,
        failed: totals.errored,
        ttftP50: p('time_to_first_token_ms', 'p50'),
        ttftP95: p('time_to_first_token_ms', 'p95'),
        gapP50: null, // GuideLLM keeps no per-chunk gaps
        gapP99: null,
        tpotP50: p('inter_token_latency_ms', 'p50'),
        tpotP99: p('inter_token_latency_ms', 'p99'),
        outTokS: b.metrics.output_tokens_per_second?.total?.mean ?? null,
      };
    });
  },
});
