// Load patterns over time (seeds 003/004): step, spike, stress and soak. A pattern is a list of
// phases, each holding a load — closed-loop users (each sends its next request when the last one
// ends) or an open-loop arrival rate (requests/s, sent whatever the server does, so queueing shows
// as it would with real users). One parser serves the flags and the pattern file. Pure.
import { parseDuration } from './guard.ts';
import { isShapeId, SHAPE_IDS } from './workloads.ts';
import type { ShapeId } from './sweep-types.ts';
import { durationText } from './format.ts';

export type PatternKind = 'step' | 'spike' | 'stress' | 'soak';
export const PATTERN_KINDS: readonly PatternKind[] = ['step', 'spike', 'stress', 'soak'];
export type LoadMode = 'closed' | 'open';

export interface PatternPhase {
  /** before / spike / after (spike); step-N (step, stress); soak. */
  name: string;
  startMs: number;
  durationMs: number;
  /** Users (closed loop) or requests/s (open loop). */
  load: number;
}

export interface PatternSpec {
  kind: PatternKind;
  mode: LoadMode;
  shape: ShapeId;
  /** Width of the windows percentiles are taken over, ms. */
  windowMs: number;
  phases: PatternPhase[];
  /** Spike recovery: p95 back within this share of the pre-spike baseline (0.2 = +20 %)… */
  recoveryTolerance: number;
  /** …for this many consecutive windows. */
  recoveryWindows: number;
  /** Stress: stop at the first step that breaks. */
  stopOnBreak: boolean;
  /**
   * Closed loop: users added by a phase join evenly over this many ms instead of all at once
   * (default 0, a sharp step; soak: one window, so its users do not stay in lock step).
   */
  rampMs: number;
  /** The parameters as given (stored with the session, shown in reports). */
  params: Record<string, number | string | boolean>;
}

export class PatternError extends Error {
  override name = 'PatternError';
}

/** Flags or file keys: strings from the command line, numbers/strings/booleans from JSON. */
export type PatternInput = Record<string, string | number | boolean | undefined>;

export const PATTERN_KEYS = [
  'pattern', 'shape', 'open-loop', 'window', 'base', 'peak', 'hold', 'spike', 'after', 'start', 'step', 'steps',
  'max', 'users', 'rate', 'duration', 'recovery-tolerance', 'recovery-windows', 'stop-on-break', 'ramp',
] as const;

const DEFAULT_WINDOW_MS = 5000;

function dur(input: PatternInput, key: string, fallback?: number): number {
  const v = input[key];
  if (v === undefined) {
    if (fallback === undefined) throw new PatternError(`--${key} is required (a duration like 30s, 5m or 500ms)`);
    return fallback;
  }
  // A bare number in a file or flag means seconds.
  const ms = typeof v === 'number' ? v * 1000 : /^\d+(\.\d+)?$/.test(String(v).trim()) ? Number(v) * 1000 : parseDuration(String(v));
  if (ms === null || !(ms > 0) || !Number.isFinite(ms)) throw new PatternError(`--${key} must be a duration like 30s, 5m or 500ms, got '${v}'`);
  return ms;
}

function num(input: PatternInput, key: string, o: { fallback?: number; int?: boolean; min?: number } = {}): number {
  const v = input[key];
  if (v === undefined || v === '') {
    if (o.fallback === undefined) throw new PatternError(`--${key} is required`);
    return o.fallback;
  }
  const n = typeof v === 'number' ? v : Number(v);
  const min = o.min ?? (o.int ? 1 : 0);
  if (!Number.isFinite(n) || n < min || (o.int && !Number.isInteger(n))) {
    throw new PatternError(`--${key} must be ${o.int ? 'a whole number' : 'a number'} ≥ ${min}, got '${v}'`);
  }
  return n;
}

function bool(input: PatternInput, key: string, fallback: boolean): boolean {
  const v = input[key];
  if (v === undefined) return fallback;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === '1' || v === 'yes') return true;
  if (v === 'false' || v === '0' || v === 'no') return false;
  throw new PatternError(`--${key} must be true or false, got '${v}'`);
}

function seq(list: Array<{ name: string; durationMs: number; load: number }>): PatternPhase[] {
  let t = 0;
  return list.map((p) => {
    const out = { ...p, startMs: t };
    t += p.durationMs;
    return out;
  });
}

/**
 * A pattern from flags or a file's keys. Defaults keep a run short; every figure can be given.
 * Open loop (`open-loop: true`, spike and soak only): base/peak/users are requests per second.
 */
export function parsePattern(input: PatternInput): PatternSpec {
  for (const k of Object.keys(input)) {
    if (input[k] !== undefined && !(PATTERN_KEYS as readonly string[]).includes(k)) throw new PatternError(`unknown pattern key '${k}' (known: ${PATTERN_KEYS.join(', ')})`);
  }
  const kind = input.pattern;
  if (typeof kind !== 'string' || !(PATTERN_KINDS as readonly string[]).includes(kind)) {
    throw new PatternError(`--pattern must be one of ${PATTERN_KINDS.join(', ')}, got '${kind ?? ''}'`);
  }
  const shape = String(input.shape ?? 'support');
  if (!isShapeId(shape)) throw new PatternError(`--shape must be one of ${SHAPE_IDS.join(', ')} (one shape per pattern run), got '${shape}'`);
  const open = bool(input, 'open-loop', false);
  if (open && (kind === 'step' || kind === 'stress')) throw new PatternError(`--open-loop applies to spike and soak; ${kind} holds users (closed loop)`);
  const windowMs = dur(input, 'window', DEFAULT_WINDOW_MS);
  const loadOpt = { int: !open, min: open ? 0.01 : 1 };
  let phases: PatternPhase[];
  switch (kind as PatternKind) {
    case 'spike': {
      const base = num(input, 'base', { ...loadOpt, fallback: open ? 1 : 8 });
      const peak = num(input, 'peak', { ...loadOpt, fallback: open ? 8 : 64 });
      if (peak <= base) throw new PatternError(`--peak (${peak}) must be above --base (${base})`);
      const hold = dur(input, 'hold', 60_000);
      phases = seq([
        { name: 'before', durationMs: hold, load: base },
        { name: 'spike', durationMs: dur(input, 'spike', 30_000), load: peak },
        { name: 'after', durationMs: dur(input, 'after', hold), load: base },
      ]);
      break;
    }
    case 'step':
    case 'stress': {
      const start = num(input, 'start', { int: true, fallback: kind === 'stress' ? 8 : 4 });
      const step = num(input, 'step', { int: true, fallback: start });
      const hold = dur(input, 'hold', 30_000);
      let n: number;
      if (kind === 'stress') {
        const max = num(input, 'max', { int: true, fallback: 512 });
        if (max < start) throw new PatternError(`--max (${max}) must be at least --start (${start})`);
        n = Math.floor((max - start) / step) + 1;
      } else n = num(input, 'steps', { int: true, fallback: 5 });
      if (n > 1000) throw new PatternError(`${n} steps is too many (at most 1000)`);
      phases = seq(Array.from({ length: n }, (_, i) => ({ name: `step-${i + 1}`, durationMs: hold, load: start + i * step })));
      break;
    }
    case 'soak': {
      const load = open ? num(input, 'rate', { ...loadOpt, fallback: 4 }) : num(input, 'users', { ...loadOpt, fallback: 64 });
      phases = seq([{ name: 'soak', durationMs: dur(input, 'duration', 3_600_000), load }]);
      break;
    }
  }
  const total = phases[phases.length - 1].startMs + phases[phases.length - 1].durationMs;
  if (windowMs > total / 3) throw new PatternError(`--window (${windowMs} ms) must be at most a third of the run (${total} ms): fewer than 3 windows say nothing over time`);
  const params = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Record<string, string | number | boolean>;
  return {
    kind: kind as PatternKind,
    mode: open ? 'open' : 'closed',
    shape,
    windowMs,
    phases,
    recoveryTolerance: num(input, 'recovery-tolerance', { fallback: 0.2, min: 0 }),
    recoveryWindows: num(input, 'recovery-windows', { int: true, fallback: 3 }),
    stopOnBreak: bool(input, 'stop-on-break', true),
    rampMs: input.ramp === undefined ? (kind === 'soak' ? windowMs : 0) : input.ramp === '0' || input.ramp === 0 ? 0 : dur(input, 'ramp'),
    params,
  };
}

/** A pattern file: one JSON object with the same keys as the flags (durations as "30s" or seconds). */
export function parsePatternFile(text: string, overrides: PatternInput = {}): PatternSpec {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new PatternError(`pattern file is not JSON: ${(e as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new PatternError('pattern file must hold one JSON object, e.g. {"pattern":"spike","base":8,"peak":64}');
  const input: PatternInput = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw new PatternError(`pattern file key '${k}' must be a string, number or boolean`);
    input[k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())] = v; // openLoop → open-loop
  }
  return parsePattern({ ...input, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) });
}

export function patternDurationMs(p: Pick<PatternSpec, 'phases'>): number {
  const last = p.phases[p.phases.length - 1];
  return last.startMs + last.durationMs;
}

/** Index of the phase holding time t (ms since the run started); the last phase past the end. */
export function phaseIndexAt(p: Pick<PatternSpec, 'phases'>, t: number): number {
  for (let i = p.phases.length - 1; i >= 0; i--) if (t >= p.phases[i].startMs) return i;
  return 0;
}

export function loadAt(p: Pick<PatternSpec, 'phases'>, t: number): number {
  return p.phases[phaseIndexAt(p, t)].load;
}

/** Highest load of the pattern: the connection pool's size for closed loop. */
export function peakLoad(p: Pick<PatternSpec, 'phases'>): number {
  return Math.max(...p.phases.map((x) => x.load));
}

export function describePattern(p: PatternSpec): string {
  const unit = p.mode === 'open' ? ' req/s' : ' users';
  const ph = p.phases.length > 6 ? `${p.phases.length} steps of ${fmtMs(p.phases[0].durationMs)}, ${p.phases[0].load}→${p.phases[p.phases.length - 1].load}${unit}` : p.phases.map((x) => `${x.name} ${x.load}${unit} × ${fmtMs(x.durationMs)}`).join(', ');
  return `${p.kind} (${p.mode} loop, ${p.shape}): ${ph}; windows of ${fmtMs(p.windowMs)}`;
}

/** A pattern's durations (phases, windows, recovery) as every view prints durations (./format.ts). */
export const fmtMs = (ms: number): string => durationText(ms);
