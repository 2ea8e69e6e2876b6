// Scale-out: the aggregate streamed tokens/s that 1, 2 and 4 local loader processes (the bundled
// loader a pod runs) sustain against the simulator in another process, with the CPU each side
// spends per token and the bytes per token the results channel carries. On a machine with fewer
// cores than loaders + simulator the processes share cores, so scaling cannot be linear there.
import { cpus } from 'node:os';
import { processLoaders } from '../src/load/remote/processes.ts';
import type { RemoteLoadEngine } from '../src/load/remote/coordinator.ts';
import { spawnSim } from './sim-process.ts';
import { cpuMs, figure, fixedLevel, fmt, load1 } from './level.ts';
import { SPREAD_MS } from './fidelity.ts';

const MODEL = 'meta/llama-3.1-8b-instruct';

export async function scaleOut(loaders = [1, 2, 4], streams = 2048, windowMs = 5000): Promise<void> {
  const TTFT = 100;
  const ITL = 20;
  console.log(`\nscale-out — ${streams} streams from N loader processes (simulator in another process, deterministic TTFT ${TTFT} ms / ITL ${ITL} ms, 32 tokens; demand ${fmt((streams * 1000) / ITL, 0)} tok/s)`);
  console.log('loaders  held   out tok/s  TTFT p99  ITL p99   worst lag p99  loader CPU/token  coordinator CPU/token  sim CPU/token  wire bytes/token  load avg');
  const sim = await spawnSim(['--deterministic', '--ttft-ms', String(TTFT), '--itl-ms', String(ITL)]);
  const rows: { n: number; tokS: number }[] = [];
  try {
    for (const n of loaders) {
      const engine = (await processLoaders(n)({ baseUrl: sim.url, maxConnections: streams, progressMs: 200 }, () => {})) as RemoteLoadEngine & { pids: number[] };
      try {
        let cpu0 = { loaders: NaN, self: NaN, sim: NaN, bytes: NaN };
        const loaderCpu = () => engine.pids.reduce((a, pid) => a + cpuMs(pid), 0);
        const m = await fixedLevel(engine, { concurrency: streams, model: MODEL, outputTokens: 32, startSpreadMs: SPREAD_MS }, windowMs, undefined, () => {
          cpu0 = { loaders: loaderCpu(), self: cpuMs(), sim: cpuMs(sim.child.pid), bytes: engine.bytesIn };
        });
        const per = (used: number) => (used * 1000) / m.outputTokens; // µs per token
        const tokS = m.outputTokens / (m.windowMs / 1000);
        rows.push({ n, tokS });
        console.log(
          `${String(n).padStart(7)}  ${fmt(m.meanInFlight, 0).padStart(5)}  ${fmt(tokS, 0).padStart(9)}  ${fmt(m.ttft.p99, 1).padStart(7)}  ${fmt(m.itl.p99, 1).padStart(7)}  ${fmt(m.lagP99Ms).padStart(10)} ms  ${fmt(per(loaderCpu() - cpu0.loaders), 1).padStart(13)} µs  ${fmt(per(cpuMs() - cpu0.self), 1).padStart(18)} µs  ${fmt(per(cpuMs(sim.child.pid) - cpu0.sim), 1).padStart(10)} µs  ${fmt((engine.bytesIn - cpu0.bytes) / m.outputTokens, 1).padStart(14)}  ${load1().padStart(6)}`,
        );
      } finally {
        await engine.close();
      }
    }
  } finally {
    await sim.stop();
  }
  const one = rows.find((r) => r.n === 1);
  if (one) {
    const eff = rows.filter((r) => r.n > 1).map((r) => `${r.n} loaders ${fmt(r.tokS / one.tokS, 2)}× (${fmt((100 * r.tokS) / (one.tokS * r.n), 0)} % of linear)`);
    console.log(`scaling over 1 loader: ${eff.join(', ')} — ${cpus().length} CPUs shared by the loaders, the simulator and the coordinator`);
    figure('scale-out (no target)', 'aggregate tok/s with 1, 2, 4 loader processes', rows.map((r) => `${r.n}: ${fmt(r.tokS, 0)}`).join(', ') + ` tok/s on ${cpus().length} CPUs`, null);
  }
}
