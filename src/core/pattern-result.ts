// The outcome of one pattern run, as stored in the session (`pattern.finished`) and read back by
// report, validate --sla, replay and compare. Pure.
import type { NimbleEvent } from './events.ts';
import { DEFAULT_SLA, type SlaConfig } from './sla.ts';
import type { PatternSpec } from './patterns.ts';
import type { PatternWindow, PoolSummary } from './pattern-windows.ts';
import { soakFigures, spikeFigures, stepFigures, stressFigures, type SoakFigures, type SpikeFigures, type StressFigures, type StressStep } from './pattern-analysis.ts';

export interface PatternResult {
  spec: PatternSpec;
  durationMs: number;
  aborted: boolean;
  notes: string[];
  /** Pooled over the whole run and per phase (reservoir-bounded, see pattern-windows.ts). */
  pools: { all: PoolSummary; phases: Record<string, PoolSummary> };
  spike?: SpikeFigures;
  soak?: SoakFigures;
  stress?: StressFigures;
  steps?: StressStep[];
  sla: SlaConfig;
}

export function buildPatternResult(
  spec: PatternSpec,
  windows: PatternWindow[],
  pools: PatternResult['pools'],
  o: { aborted: boolean; notes: string[]; sla?: SlaConfig; durationMs: number },
): PatternResult {
  const sla = o.sla ?? DEFAULT_SLA;
  const r: PatternResult = { spec, durationMs: o.durationMs, aborted: o.aborted, notes: o.notes, pools, sla };
  if (spec.kind === 'spike') r.spike = spikeFigures(spec, windows, pools.phases);
  if (spec.kind === 'soak') r.soak = soakFigures(spec, windows);
  if (spec.kind === 'stress') r.stress = stressFigures(spec, windows, sla);
  if (spec.kind === 'step') r.steps = stepFigures(spec, windows, sla);
  return r;
}

export interface PatternRun {
  spec: PatternSpec;
  model: string;
  windows: PatternWindow[];
  result: PatternResult | null;
}

/** The pattern runs recorded in a session's events (a session may hold several, e.g. one per shape). */
export function patternRunsFromEvents(events: readonly NimbleEvent[]): PatternRun[] {
  const runs: PatternRun[] = [];
  let cur: PatternRun | null = null;
  for (const e of events) {
    if (e.type === 'pattern.started') {
      cur = { spec: e.pattern, model: e.model, windows: [], result: null };
      runs.push(cur);
    } else if (e.type === 'pattern.window' && cur) cur.windows.push(e.window);
    else if (e.type === 'pattern.finished' && cur) cur.result = e.result;
  }
  return runs;
}
