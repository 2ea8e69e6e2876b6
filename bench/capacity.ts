// Capacity: the most concurrent streams and streamed tok/s the engine sustains before its p99
// TTFT/ITL error grows by more than 1 ms over the 1-stream baseline; and its request ceiling
// against the simulator's non-streaming endpoint next to autocannon's in the same run.
import { LoadEngine } from '../src/load/engine.ts';
import { spawnSim } from './sim-process.ts';
import { cpuMs, figure, fixedLevel, fmt, load1 } from './level.ts';
import { SPREAD_MS } from './fidelity.ts';

const MODEL = 'meta/llama-3.1-8b-instruct';

export async function capacity(levels = [1, 1024, 2048, 3072, 4096], windowMs = 4000): Promise<void> {
  const TTFT = 100;
  const ITL = 20;
  console.log(`\ncapacity — streams (simulator in another process, deterministic TTFT ${TTFT} ms / ITL ${ITL} ms, 32 tokens)`);
  // CPU per streamed token, over the measured window, of this process (the engine: worker + main
  // thread) and of the simulator: what each side would need for the targets on cores of its own.
  console.log('streams  held  TTFT p99 err  ITL p99 err  out tok/s  worker lag p99  engine CPU/token  sim CPU/token  load avg');
  const sim = await spawnSim(['--deterministic', '--ttft-ms', String(TTFT), '--itl-ms', String(ITL)]);
  const engine = new LoadEngine({ baseUrl: sim.url, maxConnections: Math.max(...levels), progressMs: 200 });
  let base: { t: number; i: number } | null = null;
  let best = { streams: 0, tokS: 0 };
  let bestHeld = 0;
  let bestTokS = 0;
  const cost: { engineUs: number; simUs: number }[] = [];
  try {
    for (const c of levels) {
      // First requests spread over one request's duration, as in the fidelity benchmark.
      let cpu0 = { engine: NaN, sim: NaN };
      const m = await fixedLevel(engine, { concurrency: c, model: MODEL, outputTokens: 32, startSpreadMs: SPREAD_MS }, windowMs, undefined, () => {
        cpu0 = { engine: cpuMs(), sim: cpuMs(sim.child.pid) };
      });
      const perToken = (used: number) => (used * 1000) / m.outputTokens; // µs
      const engineUs = perToken(cpuMs() - cpu0.engine);
      const simUs = perToken(cpuMs(sim.child.pid) - cpu0.sim);
      if (c > 1) cost.push({ engineUs, simUs });
      const tErr = m.ttft.p99 - TTFT;
      const iErr = m.itl.p99 - ITL;
      base ??= { t: tErr, i: iErr };
      const tokS = m.outputTokens / (m.windowMs / 1000);
      const ok = tErr - base.t <= 1 && iErr - base.i <= 1 && m.meanInFlight >= 0.9 * c;
      if (ok && c > best.streams) best = { streams: c, tokS };
      bestHeld = Math.max(bestHeld, m.meanInFlight);
      bestTokS = Math.max(bestTokS, tokS);
      console.log(`${String(c).padStart(7)}  ${fmt(m.meanInFlight, 0).padStart(5)}  ${fmt(tErr).padStart(9)} ms ${fmt(iErr).padStart(9)} ms ${fmt(tokS, 0).padStart(9)}  ${fmt(m.lagP99Ms).padStart(8)} ms  ${fmt(engineUs, 1).padStart(11)} µs  ${fmt(simUs, 1).padStart(9)} µs  ${load1().padStart(5)} ${ok ? '' : '← degraded'}`);
    }
  } finally {
    await engine.close();
    await sim.stop();
  }
  console.log(`sustained within +1 ms of baseline: ${best.streams} streams, ${fmt(best.tokS, 0)} tok/s (targets ≥ 2000 streams, ≥ 100000 tok/s)`);
  figure('capacity: streams', '≥ 2,000 concurrent streams within +1 ms p99', `${best.streams} streams (best held: ${fmt(bestHeld, 0)} streams, ${fmt(bestTokS, 0)} tok/s at any fidelity)`, best.streams >= 2000);
  if (cost.length) {
    const e = Math.min(...cost.map((x) => x.engineUs));
    const sm = Math.min(...cost.map((x) => x.simUs));
    console.log(`CPU per streamed token (best level): engine ${fmt(e, 1)} µs → ${fmt(1e6 / e, 0)} tok/s per core of its own; simulator ${fmt(sm, 1)} µs → ${fmt(1e6 / sm, 0)} tok/s per core`);
    figure('capacity: CPU per token (no target)', 'what 100,000 tok/s would take', `engine ${fmt(e, 1)} µs/token (${fmt(e / 10, 1)} cores for 100k tok/s), simulator ${fmt(sm, 1)} µs/token (${fmt(sm / 10, 1)} cores); this machine has 2`, null);
  }
  figure('capacity: streamed tokens', '≥ 100,000 streamed tok/s within +1 ms p99', `${fmt(best.tokS, 0)} tok/s`, best.tokS >= 100_000);
  await requestCeiling();
}

async function requestCeiling(connections = 64, durationS = 5): Promise<void> {
  const sim = await spawnSim(['--deterministic', '--ttft-ms', '0', '--itl-ms', '0']);
  const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1, stream: false });
  try {
    const engine = new LoadEngine({ baseUrl: sim.url, maxConnections: connections, progressMs: 200 });
    const m = await fixedLevel(engine, { concurrency: connections, model: MODEL, outputTokens: 1, stream: false, collectGaps: false, promptTokens: 1 }, durationS * 1000);
    await engine.close();
    const ours = (m.completed + m.failed) / (m.windowMs / 1000);
    const autocannon = (await import('autocannon' as string)).default as (o: object) => Promise<{ requests: { average: number }; errors: number; non2xx: number }>;
    const ac = await autocannon({ url: `${sim.url}/v1/chat/completions`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections, duration: durationS });
    console.log(`\nrequest ceiling (non-streaming, ${connections} connections, ${durationS} s each, simulator in another process):`);
    figure('capacity: request ceiling', '≥ 0.5 × autocannon (non-streaming, 64 connections)', `${fmt(ours, 0)} vs ${fmt(ac.requests.average, 0)} req/s = ${fmt(ours / ac.requests.average)}`, ours / ac.requests.average >= 0.5);
    console.log(`  load avg ${load1()} · nimble engine ${fmt(ours, 0)} req/s (${m.failed} failed) · autocannon ${fmt(ac.requests.average, 0)} req/s (${ac.errors} errors, ${ac.non2xx} non-2xx) · ratio ${fmt(ours / ac.requests.average)} (target ≥ 0.5)`);
  } finally {
    await sim.stop();
  }
}
