// Runs one fixed-duration level on a LoadEngine (benchmarks only; the sweep decides by itself).
import * as os from 'node:os';
import { LoadEngine } from '../src/load/engine.ts';
import type { LevelMeasurement } from '../src/core/sweep.ts';
import type { LevelConfig } from '../src/load/protocol.ts';

export async function fixedLevel(engine: LoadEngine, cfg: Partial<Omit<LevelConfig, 'id'>> & { concurrency: number; model: string }, windowMs: number, warmupMaxMs = 30_000): Promise<LevelMeasurement> {
  let stopped = false;
  const run = engine.runLevel(
    {
      shape: 'support',
      promptTokens: 16,
      outputTokens: 32,
      stream: true,
      requestTimeoutMs: 60_000,
      stallTimeoutMs: 20_000,
      ttftSlaMs: 2000,
      goodput: { ttftMs: 2000, tpotMs: 100, e2elMs: null },
      confidence: 0.95,
      forceLength: true,
      collectGaps: true,
      ...cfg,
    } as Omit<LevelConfig, 'id'>,
    (p) => {
      if (stopped) return;
      if ((p.phase === 'measuring' && p.measuringMs >= windowMs) || (p.phase === 'warmup' && p.elapsedMs > warmupMaxMs)) {
        stopped = true;
        run.stop(p.phase === 'measuring' ? `fixed ${windowMs} ms` : 'warm-up too long');
      }
    },
  );
  return (await run.result).m;
}

export const fmt = (x: number, d = 2) => (Number.isFinite(x) ? x.toFixed(d) : String(x));

/** 1-minute load average, printed next to every figure (the machine is shared). */
export const load1 = () => os.loadavg()[0].toFixed(1);

/** Figures against the targets, gathered by each benchmark and printed at the end. */
export interface Figure {
  bench: string;
  target: string;
  measured: string;
  met: boolean | null;
  load: string;
}
export const FIGURES: Figure[] = [];
export function figure(bench: string, target: string, measured: string, met: boolean | null): void {
  FIGURES.push({ bench, target, measured, met, load: load1() });
}

/** Cumulative bucket counts of the simulator's token-lateness histogram (deterministic mode). */
export async function simLateness(baseUrl: string): Promise<{ le: number; cum: number }[]> {
  const text = await (await fetch(`${baseUrl}/v1/metrics`)).text();
  const out: { le: number; cum: number }[] = [];
  for (const m of text.matchAll(/^nimble_sim_token_lateness_seconds_bucket\{[^}]*le="([^"]+)"\} (\d+)/gm)) {
    out.push({ le: m[1] === '+Inf' ? Infinity : Number(m[1]) * 1000, cum: Number(m[2]) });
  }
  return out;
}

/** The bucket bound (ms) under which a share q of the tokens between two scrapes were written. */
export function latenessQuantile(before: { le: number; cum: number }[], after: { le: number; cum: number }[], q: number): number {
  const delta = after.map((b, i) => ({ le: b.le, cum: b.cum - (before[i]?.cum ?? 0) }));
  const total = delta.at(-1)?.cum ?? 0;
  if (!total) return NaN;
  return delta.find((b) => b.cum >= q * total)?.le ?? Infinity;
}
