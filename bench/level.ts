// Runs one fixed-duration level on a LoadEngine (benchmarks only; the sweep decides by itself).
import * as os from 'node:os';
import { readFileSync } from 'node:fs';
import type { LevelEngine } from '../src/load/level-engine.ts';
import type { LevelMeasurement } from '../src/core/sweep.ts';
import type { LevelConfig } from '../src/load/protocol.ts';

export async function fixedLevel(
  engine: LevelEngine,
  cfg: Partial<Omit<LevelConfig, 'id'>> & { concurrency: number; model: string },
  windowMs: number,
  warmupMaxMs = 30_000,
  /** Called once, at the first progress report of the measured window. */
  onMeasuring?: () => void,
): Promise<LevelMeasurement> {
  let stopped = false;
  let measuring = false;
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
      if (p.phase === 'measuring' && !measuring) {
        measuring = true;
        onMeasuring?.();
      }
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

/**
 * CPU time (user + system, ms) a process has used: this one from process.cpuUsage() (all its
 * threads), another from /proc/PID/stat (Linux; 10 ms ticks). NaN where /proc is missing.
 */
export function cpuMs(pid?: number): number {
  if (pid === undefined) {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  }
  try {
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}
