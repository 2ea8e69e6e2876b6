// Fidelity: the simulator in deterministic mode in another process (fixed TTFT and ITL, unlimited
// slots); measured − true TTFT and ITL at p50/p99 for concurrency 1 … 1024, with and without a
// TUI-like render load (10 Hz, ~8 ms of work each) on the main thread.
import { LoadEngine } from '../src/load/engine.ts';
import { spawnSim } from './sim-process.ts';
import { figure, fixedLevel, fmt, latenessQuantile, load1, simLateness } from './level.ts';

const TTFT = 100;
const ITL = 20;
const MODEL = 'meta/llama-3.1-8b-instruct';

function renderLoad(): () => void {
  // Stand-in for Ink re-rendering the store: ~8 ms of main-thread work 10 times a second.
  const t = setInterval(() => {
    const end = performance.now() + 8;
    let x = 0;
    while (performance.now() < end) x += Math.sqrt(x + 1);
  }, 100);
  return () => clearInterval(t);
}

export async function fidelity(levels = [1, 16, 64, 256, 1024], windowMs = 4000): Promise<{ concurrency: number; render: boolean; ttftP99Err: number; itlP99Err: number }[]> {
  const sim = await spawnSim(['--deterministic', '--ttft-ms', String(TTFT), '--itl-ms', String(ITL)]);
  const engine = new LoadEngine({ baseUrl: sim.url, maxConnections: Math.max(...levels), progressMs: 200 });
  const rows: { concurrency: number; render: boolean; ttftP99Err: number; itlP99Err: number; simLateP99: number }[] = [];
  console.log(`\nfidelity — simulator (separate process) deterministic TTFT ${TTFT} ms, ITL ${ITL} ms; 32 output tokens; ${windowMs / 1000} s windows`);
  // "sim late p99": how late the simulator itself wrote 99% of its tokens (its own histogram, bucket
  // bound): error the server adds before the load generator sees anything.
  console.log('conc  render  reqs    TTFT p50 err  TTFT p99 err  ITL p50 err  ITL p99 err  sim late p99  out tok/s  worker lag p99  load avg');
  try {
    for (const render of [false, true]) {
      for (const c of levels) {
        const stop = render ? renderLoad() : () => {};
        const before = await simLateness(sim.url);
        const m = await fixedLevel(engine, { concurrency: c, model: MODEL, outputTokens: 32 }, windowMs);
        stop();
        const simLateP99 = latenessQuantile(before, await simLateness(sim.url), 0.99);
        const row = { concurrency: c, render, ttftP99Err: m.ttft.p99 - TTFT, itlP99Err: m.itl.p99 - ITL, simLateP99 };
        rows.push(row);
        console.log(
          `${String(c).padStart(4)}  ${render ? 'yes' : 'no '}   ${String(m.completed).padStart(6)}  ${fmt(m.ttft.p50 - TTFT).padStart(10)} ms ${fmt(row.ttftP99Err).padStart(10)} ms ${fmt(m.itl.p50 - ITL).padStart(9)} ms ${fmt(row.itlP99Err).padStart(9)} ms ${`≤ ${fmt(simLateP99, 1)}`.padStart(10)} ms ${fmt(m.outputTokens / (m.windowMs / 1000), 0).padStart(9)}  ${fmt(m.lagP99Ms).padStart(8)} ms  ${load1()}`,
        );
      }
    }
  } finally {
    await engine.close();
    await sim.stop();
  }
  for (const render of [false, true]) {
    const rs = rows.filter((r) => r.render === render);
    const worst = rs.reduce((a, r) => Math.max(a, r.ttftP99Err, r.itlP99Err), 0);
    const within = rs.filter((r) => Math.max(r.ttftP99Err, r.itlP99Err) <= 1).map((r) => r.concurrency);
    const upTo = rs.find((r) => Math.max(r.ttftP99Err, r.itlP99Err) > 1)?.concurrency;
    figure(
      `fidelity ${render ? 'with' : 'without'} TUI render load`,
      'p99 TTFT/ITL error ≤ 1 ms up to 1024 streams',
      `worst p99 error ${fmt(worst)} ms; ≤ 1 ms at ${within.length ? within.join(', ') : 'no level'}${upTo ? ` (first over at ${upTo})` : ''}; simulator's own p99 lateness ≤ ${fmt(Math.max(...rs.map((r) => r.simLateP99)), 1)} ms at worst`,
      worst <= 1,
    );
  }
  return rows;
}
