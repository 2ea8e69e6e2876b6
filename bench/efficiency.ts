// Sweep efficiency: the adaptive sweep next to a fixed-duration sweep (same levels and bisect,
// every window as long as the adaptive sweep's longest) on the same simulator profile. Run with
// the quick timing (the simulator demo's) and the standard one (what a real measurement uses).
import { runSweep, type SweepOptions } from '../src/load/sweep-runner.ts';
import { createSessionClock } from '../src/core/clock.ts';
import { TIMING } from '../src/core/sweep.ts';
import { spawnSim } from './sim-process.ts';
import { figure, fmt, load1 } from './level.ts';

export async function efficiency(timing: 'quick' | 'standard' = 'quick'): Promise<void> {
  const T = TIMING[timing];
  // Default A10 profile with 24 batch slots: the queue rule breaks at 25 users.
  const sim = await spawnSim(['--max-num-seqs', '24']);
  const base: SweepOptions = {
    baseUrl: sim.url,
    model: 'meta/llama-3.1-8b-instruct',
    shapes: [{ id: 'support', label: 'support (256 in / 32 out)', promptTokens: 256, outputTokens: 32, focus: 'TTFT' }],
    maxConcurrency: 64,
    gpuCount: 1,
    gpuHourlyUsd: 2,
    priceTable: 'bench',
    timing,
    validity: { maxLagMs: 1000 },
  };
  console.log(`\nsweep efficiency — simulator a10-llama-3.1-8b, max-num-seqs 24, support 256/32 tokens, ${timing} timing (min ${T.minMs / 1000} s, max ${T.maxMs / 1000} s, k=${T.k})`);
  try {
    const run = async (label: string, o: SweepOptions) => {
      const out = await runSweep(o, () => {}, createSessionClock(), new AbortController().signal);
      const s = out.shapes[0];
      console.log(`  ${label.padEnd(28)} ${fmt(out.wallMs / 1000, 1).padStart(6)} s  load avg ${load1()}  levels ${s.levels.map((l) => `${l.concurrency}${l.outcome === 'pass' ? '' : l.outcome === 'break' ? '✗' : '?'}`).join(' ')}  → last passing ${s.breakingPoint.lastPassing}, first failing ${s.breakingPoint.firstFailing} (${s.breakingPoint.rule})`);
      return out;
    };
    const a = await run('adaptive', base);
    const f = await run(`fixed ${T.maxMs / 1000} s windows`, { ...base, timingOverrides: { fixedWindowMs: T.maxMs } });
    const same = a.shapes[0].breakingPoint.lastPassing === f.shapes[0].breakingPoint.lastPassing;
    console.log(`  ratio adaptive/fixed ${fmt(a.wallMs / f.wallMs)} (target ≤ 0.40), same breaking point: ${same ? 'yes' : 'NO'}`);
    const bp = (o: typeof a) => `${o.shapes[0].breakingPoint.lastPassing} (${o.shapes[0].breakingPoint.rule} at ${o.shapes[0].breakingPoint.firstFailing})`;
    figure(
      `sweep efficiency (${timing})`,
      'adaptive ≤ 0.40 × fixed-window sweep time, same breaking point',
      `adaptive ${fmt(a.wallMs / 1000, 1)} s → ${bp(a)}; fixed ${fmt(f.wallMs / 1000, 1)} s → ${bp(f)}; ratio ${fmt(a.wallMs / f.wallMs)}`,
      a.wallMs / f.wallMs <= 0.4 && same,
    );
  } finally {
    await sim.stop();
  }
}
