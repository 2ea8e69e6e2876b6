// nimble's side of `npm run bench -- peers`, run as a process of its own (like the peers, so its
// CPU is measured the same way): fixed levels on the load engine, each ended after a fixed count
// of measured requests (the peers' --request-count), results written as JSON to argv[2].
//
//   node --import tsx bench/peers-nimble.ts OUT.json '{"url":…,"model":…,"levels":[{"concurrency":1,"requests":24}],…}'
import { writeFileSync } from 'node:fs';
import { LoadEngine } from '../src/load/engine.ts';
import type { LevelConfig } from '../src/load/protocol.ts';
import type { LevelMeasurement } from '../src/core/sweep.ts';
import type { PeerLevel, PeerWorkload } from './peers-tools.ts';

async function countedLevel(engine: LoadEngine, w: PeerWorkload, concurrency: number, requests: number): Promise<LevelMeasurement> {
  let stopped = false;
  const run = engine.runLevel(
    {
      shape: 'support',
      concurrency,
      model: w.model,
      promptTokens: w.promptTokens,
      outputTokens: w.outputTokens,
      stream: true,
      requestTimeoutMs: 60_000,
      stallTimeoutMs: 20_000,
      ttftSlaMs: 2000,
      goodput: { ttftMs: 2000, tpotMs: 100, e2elMs: null },
      confidence: 0.95,
      forceLength: true,
      collectGaps: true,
      // The peers start all N users at once; so does nimble here (no spread).
      startSpreadMs: 0,
    } as Omit<LevelConfig, 'id'>,
    (p) => {
      if (stopped) return;
      // Warm-up (N in flight and N done) is the engine's own; then `requests` measured ones.
      if ((p.phase === 'measuring' && p.completed >= requests) || (p.phase === 'warmup' && p.elapsedMs > 60_000)) {
        stopped = true;
        run.stop(p.phase === 'measuring' ? `${requests} measured requests` : 'warm-up too long');
      }
    },
  );
  return (await run.result).m;
}

const [out, json] = process.argv.slice(2);
if (!out || !json) {
  console.error('usage: peers-nimble.ts OUT.json WORKLOAD-JSON');
  process.exit(2);
}
const w = JSON.parse(json) as PeerWorkload;
const engine = new LoadEngine({ baseUrl: w.url, maxConnections: Math.max(...w.levels.map((l) => l.concurrency)), progressMs: 50 });
const rows: PeerLevel[] = [];
try {
  for (const { concurrency, requests } of w.levels) {
    const m = await countedLevel(engine, w, concurrency, requests);
    rows.push({
      concurrency,
      completed: m.completed,
      failed: m.failed,
      ttftP50: m.ttft.p50,
      ttftP95: m.ttft.p95,
      gapP50: m.itl.p50,
      gapP99: m.itl.p99,
      tpotP50: m.tpot.p50,
      tpotP99: m.tpot.p99,
      outTokS: m.outputTokens / (m.windowMs / 1000),
      note: m.lagP99Ms > 10 ? `worker lag p99 ${m.lagP99Ms.toFixed(0)} ms` : undefined,
    });
  }
} finally {
  await engine.close();
}
writeFileSync(out, JSON.stringify(rows));
