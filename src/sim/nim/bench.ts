// Figures of the simulated NIM (prints, asserts nothing):
//   node --import tsx src/sim/nim/bench.ts [--only 1|2|3] [--streams 200] [--itl-ms 10] [--tokens 200]
// 1. Idle TTFT and per-stream speed of the default profile, chat prompt 256 / output 128, real HTTP.
// 2. A closed-loop concurrency sweep of each profile on virtual time (the engine alone, exact).
// 3. How many streams the server itself sustains: deterministic mode in a worker thread, N
//    concurrent streams; the server's timer lag and the client-seen ITL say whether it kept up.
import { parseArgs } from 'node:util';
import { BatchingEngine, type Job } from './engine.ts';
import { PROFILES, getProfile, type NimProfile } from './profiles.ts';
import { startSimNim } from './server.ts';
import { startSimNimInWorker } from './worker-host.ts';
import { makeChatMessages } from './tokens.ts';
import { post, VirtualTime } from './testing.ts';

const { values } = parseArgs({
  options: { only: { type: 'string' }, streams: { type: 'string', default: '200' }, 'itl-ms': { type: 'string', default: '10' }, tokens: { type: 'string', default: '200' } },
});
const MODEL = 'meta/llama-3.1-8b-instruct';
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)];

async function idle(): Promise<void> {
  const h = await startSimNim({});
  const body = { model: MODEL, messages: makeChatMessages(256), max_tokens: 128, ignore_eos: true, stream: true };
  console.log('1. default profile (a10-llama-3.1-8b), idle, chat prompt 256 / output 128, real HTTP:');
  for (let i = 0; i < 3; i++) {
    const r = await post(h.url, '/v1/chat/completions', body).done;
    const content = r.events.filter((e) => e.data !== '[DONE]' && JSON.parse(e.data).choices[0]?.delta?.content);
    const ttft = content[0].t - r.start;
    const tps = ((content.length - 1) * 1000) / (content.at(-1)!.t - content[0].t);
    console.log(`   run ${i + 1}: TTFT ${ttft.toFixed(1)} ms, ${tps.toFixed(1)} tok/s per stream, ${content.length} tokens`);
  }
  await h.close();
}

/** Closed loop of c users on virtual time for `seconds`; TTFT p95, per-user tok/s, queue share. */
function closedLoop(p: NimProfile, c: number, prompt: number, out: number, seconds = 120) {
  const vt = new VirtualTime();
  const e = new BatchingEngine(p, { now: vt.now, timers: vt.timers });
  const ttfts: number[] = [];
  const speeds: number[] = [];
  let queued = 0;
  let samples = 0;
  const user = () => {
    let first = 0;
    const j: Job = {
      promptTokens: prompt,
      maxTokens: out,
      outputTokens: out,
      arrival: vt.now(),
      emit(i, now) {
        if (i === 0) {
          first = now;
          if (now > 10_000) ttfts.push(now - j.arrival); // after warm-up
        }
      },
      finish(now) {
        if (now > 10_000 && out > 1) speeds.push(((out - 1) * 1000) / (now - first));
        user();
      },
    };
    e.submit(j);
  };
  for (let i = 0; i < c; i++) user();
  for (let t = 0; t < seconds * 1000; t += 100) {
    vt.advance(100);
    if (vt.t > 10_000) {
      samples++;
      if (e.waiting > 0) queued++;
    }
  }
  e.close();
  return { ttftP95: pct(ttfts, 95), tokPerS: pct(speeds, 50), queuedShare: queued / samples, agg: (speeds.length ? pct(speeds, 50) : 0) * c };
}

function sweep(): void {
  console.log('\n2. closed-loop sweep on virtual time (engine only), prompt 256 / output 128, 120 s each:');
  for (const p of Object.values(PROFILES)) {
    console.log(`   ${p.id}  (queue from c=${Math.min(p.maxNumSeqs, Math.floor(p.kvCacheTokens / 384)) + 1} by slots/KV)`);
    for (const c of [1, 8, 16, 32, 48, 60, 61, 64, 96, 128, 256]) {
      const r = closedLoop(p, c, 256, 128);
      const broke = r.ttftP95 > 2000 || r.queuedShare > 0.5 ? '  ← breaks' : '';
      console.log(
        `     c=${String(c).padStart(3)}  TTFT p95 ${r.ttftP95.toFixed(0).padStart(6)} ms  ${r.tokPerS.toFixed(1).padStart(5)} tok/s/user  ` +
          `~${r.agg.toFixed(0).padStart(5)} tok/s total  queued ${(r.queuedShare * 100).toFixed(0).padStart(3)}%${broke}`,
      );
    }
  }
}

async function capacity(): Promise<void> {
  const n = Number(values.streams);
  const itlMs = Number(values['itl-ms']);
  const tokens = Number(values.tokens);
  const ttftMs = 20;
  console.log(`\n3. server capacity: deterministic ttft ${ttftMs} ms / itl ${itlMs} ms, ${n} concurrent streams × ${tokens} tokens, server in a worker:`);
  const h = await startSimNimInWorker({ deterministic: { ttftMs, itlMs } });
  const body = { model: MODEL, messages: makeChatMessages(50), max_tokens: tokens, ignore_eos: true, stream: true };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const runs = await Promise.all(Array.from({ length: n }, () => post(h.url, '/v1/chat/completions', body).done));
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const ttft: number[] = [];
  const itl: number[] = [];
  let failed = 0;
  for (const r of runs) {
    const ts = r.events.filter((e) => e.data !== '[DONE]' && e.data.includes('"content":"') && !e.data.includes('"role"')).map((e) => e.t);
    if (r.error || ts.length !== tokens) {
      failed++;
      continue;
    }
    ttft.push(ts[0] - r.start);
    itl.push((ts.at(-1)! - ts[0]) / (tokens - 1));
  }
  const s = await h.stats();
  await h.close();
  console.log(
    `   ${((n * tokens * 1000) / wall).toFixed(0)} tok/s through the server; failed ${failed}\n` +
      `   client TTFT p50 ${pct(ttft, 50).toFixed(1)} / p99 ${pct(ttft, 99).toFixed(1)} ms (truth ${ttftMs}); mean ITL p50 ${pct(itl, 50).toFixed(2)} / p99 ${pct(itl, 99).toFixed(2)} ms (truth ${itlMs})\n` +
      `   server timer lag mean ${s.timerLagMeanMs.toFixed(2)} ms, max ${s.timerLagMaxMs.toFixed(1)} ms; client process CPU ${((cpu.user + cpu.system) / 1000 / wall * 100).toFixed(0)}% of a core`,
  );
}

const idleFig = getProfile();
console.log(`model of the default profile: TTFT(256) = ${idleFig.prefillOverheadMs + 256 * idleFig.prefillMsPerToken} ms, ${(1000 / (idleFig.decodeBaseMs + idleFig.decodePerSeqMs)).toFixed(1)} tok/s single stream\n`);
const only = values.only; // 1, 2 or 3: run just that section
if (!only || only === '1') await idle();
if (!only || only === '2') sweep();
if (!only || only === '3') await capacity();
