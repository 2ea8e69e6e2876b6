// Flags `nimble run`, `nimble sweep` and `nimble load` share, and their checks (all usage errors,
// exit 2, found before anything is created).

import type { ShapeId } from '../core/sweep-types.ts';
import { SHAPE_IDS as SHAPES } from '../core/workloads.ts';
import { parseTier, type TierId } from '../core/tiers.ts';
import { MAX_CONCURRENCY } from '../core/sweep.ts';
import { intFlag, UsageError } from '../cli/args.ts';
import { loadTheme } from '../app/themes.ts';
import { LOAD_FROM_FLAGS } from './load-from.ts';


/** Where a run's session goes and how it is shown: every command that runs load takes these. */
export const OUTPUT_FLAGS = {
  'sessions-dir': { type: 'string' },
  json: { type: 'boolean' },
  plain: { type: 'boolean' },
  theme: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What each request asks for (run, sweep, load). */
export const REQUEST_FLAGS = {
  model: { type: 'string' },
  'prompt-tokens': { type: 'string' },
  'output-tokens': { type: 'string' },
} as const;

/**
 * Flags `nimble run` and `nimble sweep` both take, with the same meaning (each command still writes
 * its own usage text: the defaults differ, e.g. sweep timing quick on the simulator).
 */
export const SWEEP_FLAGS = {
  ...REQUEST_FLAGS,
  ...OUTPUT_FLAGS,
  shape: { type: 'string' },
  'max-concurrency': { type: 'string' },
  'gpu-shape': { type: 'string' },
  gpus: { type: 'string' },
  'sweep-timing': { type: 'string' },
  tier: { type: 'string' },
  budget: { type: 'string' },
  'max-duration': { type: 'string' },
  ...LOAD_FROM_FLAGS,
} as const;

export function parseShapes(value: string | undefined, usage: string): ShapeId[] {
  if (!value) return ['support'];
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of list) if (!SHAPES.includes(s as ShapeId)) throw new UsageError(`unknown shape '${s}': use ${SHAPES.join(', ')}`, usage);
  return list as ShapeId[];
}

export function tierFlag(name: string, value: string | undefined, fallback: TierId, usage: string): TierId {
  if (value === undefined) return fallback;
  const t = parseTier(value);
  if (!t) throw new UsageError(`--${name} must be slow, typical, fast or ultra, got '${value}'`, usage);
  return t;
}

/** A wrong --theme is a usage error (exit 2), found before anything is created. */
export function themeFlag(value: string | undefined, usage: string): string | undefined {
  if (value === undefined) return undefined;
  try {
    loadTheme(value, {});
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), usage);
  }
  return value;
}

/** --max-concurrency: 1 … MAX_CONCURRENCY (default 256); above it a usage error, exit 2. */
export function concurrencyFlag(value: string | undefined, usage: string): number {
  const n = intFlag('max-concurrency', value, usage) ?? 256;
  if (n > MAX_CONCURRENCY) throw new UsageError(`--max-concurrency must be at most ${MAX_CONCURRENCY} (got '${value}'): one nimble process cannot drive more users faithfully`, usage);
  return n;
}

export function tokenOverrides(prompt: string | undefined, output: string | undefined, usage: string) {
  const promptTokens = intFlag('prompt-tokens', prompt, usage);
  const outputTokens = intFlag('output-tokens', output, usage);
  return promptTokens || outputTokens ? { promptTokens, outputTokens } : undefined;
}
