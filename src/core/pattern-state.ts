// The live state of a pattern run, reduced from its events (part of SessionState, so live views
// and replay render the same thing). Pure.
import type { NimbleEvent } from './events.ts';
import type { PatternSpec } from './patterns.ts';
import type { PatternWindow } from './pattern-windows.ts';
import type { PatternResult } from './pattern-result.ts';

export interface PatternState {
  spec: PatternSpec;
  model: string;
  promptTokens: number;
  outputTokens: number;
  windows: PatternWindow[];
  /** ms since the run started (latest progress). */
  t: number;
  inFlight: number;
  result: PatternResult | null;
}

export function reducePattern(s: PatternState | null, e: NimbleEvent): PatternState | null {
  switch (e.type) {
    case 'pattern.started':
      return { spec: e.pattern, model: e.model, promptTokens: e.promptTokens, outputTokens: e.outputTokens, windows: [], t: 0, inFlight: 0, result: null };
    case 'pattern.progress':
      return s && { ...s, t: e.t, inFlight: e.inFlight };
    case 'pattern.window':
      return s && { ...s, windows: [...s.windows, e.window], t: Math.max(s.t, e.window.endMs) };
    case 'pattern.finished':
      return s && { ...s, result: e.result };
    default:
      return s;
  }
}
