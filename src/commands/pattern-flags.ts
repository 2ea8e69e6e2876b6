// The pattern flags `nimble load` and `nimble run --pattern` share: one parser (src/core/patterns.ts)
// for flags and the pattern file.
import { readFileSync } from 'node:fs';
import { parsePattern, parsePatternFile, PATTERN_KEYS, PatternError, type PatternInput, type PatternSpec } from '../core/patterns.ts';
import { UsageError } from '../cli/args.ts';

/** Every pattern key as a flag, but --shape: `nimble run` has its own list (the first is used). */
export const PATTERN_FLAGS = {
  'pattern-file': { type: 'string' },
  ...Object.fromEntries(PATTERN_KEYS.filter((k) => k !== 'shape').map((k) => [k, { type: k === 'open-loop' ? 'boolean' : 'string' }])),
} as Record<string, { type: 'string' | 'boolean' }>;

export function patternFromFlags(f: Record<string, string | boolean | undefined>, usage: string): PatternSpec {
  const input: PatternInput = {};
  for (const k of PATTERN_KEYS) if (f[k] !== undefined) input[k] = f[k] as string | boolean;
  try {
    if (f['pattern-file']) {
      let text: string;
      try {
        text = readFileSync(String(f['pattern-file']), 'utf8');
      } catch (e) {
        throw new UsageError(`cannot read --pattern-file ${f['pattern-file']}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, usage);
      }
      return parsePatternFile(text, input);
    }
    return parsePattern(input);
  } catch (e) {
    if (e instanceof PatternError) throw new UsageError(e.message, usage);
    throw e;
  }
}

/** nimble run: a pattern when --pattern or --pattern-file is given, on the run's first shape. */
export function runPatternFromFlags(f: Record<string, string | boolean | undefined>, usage: string, shape?: string): PatternSpec | undefined {
  if (f.pattern === undefined && f['pattern-file'] === undefined) {
    const stray = PATTERN_KEYS.find((k) => k !== 'shape' && f[k] !== undefined);
    if (stray) throw new UsageError(`--${stray} belongs to a load pattern: add --pattern step|spike|stress|soak`, usage);
    return undefined;
  }
  return patternFromFlags({ ...f, shape: shape ?? (typeof f.shape === 'string' ? f.shape.split(',')[0] : undefined) }, usage);
}
