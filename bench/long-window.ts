// Long fixed windows on the default simulator profile: the ground truth the quick sweep's verdicts
// near the breaking point can be checked against (a 256-in/128-out request lasts 4–12 s, so each
// level here gets two or more full rounds).
import { LoadEngine } from '../src/load/engine.ts';
import { spawnSim } from './sim-process.ts';
import { fixedLevel, fmt, load1 } from './level.ts';

export async function longWindow(levels = [32, 48, 56, 64], windowMs = 30_000): Promise<void> {
  const sim = await spawnSim([]);
  const engine = new LoadEngine({ baseUrl: sim.url, maxConnections: Math.max(...levels), progressMs: 200 });
  console.log(`\nlong windows — simulator a10-llama-3.1-8b (default profile), support 256/128 tokens, ${windowMs / 1000} s windows after warm-up`);
  console.log('users  done  TTFT p50   TTFT p95   TPOT p50   E2E p50    load avg');
  try {
    for (const c of levels) {
      const m = await fixedLevel(engine, { concurrency: c, model: 'meta/llama-3.1-8b-instruct', promptTokens: 256, outputTokens: 128 }, windowMs, 60_000);
      console.log(
        `${String(c).padStart(5)}  ${String(m.completed).padStart(4)}  ${fmt(m.ttft.p50, 0).padStart(6)} ms  ${fmt(m.ttft.p95, 0).padStart(6)} ms  ${fmt(m.tpot.p50, 1).padStart(6)} ms  ${fmt(m.e2el.p50, 0).padStart(6)} ms  ${load1()}`,
      );
    }
  } finally {
    await engine.close();
    await sim.stop();
  }
}
