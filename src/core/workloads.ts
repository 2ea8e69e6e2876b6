// Workload shapes (seed 001): what a "user" sends. Token counts are defaults the user can override.
// Room for seed 003/004's step/spike/soak patterns: those vary concurrency over time, not the shape.
import type { ShapeId, WorkloadShape } from './sweep-types.ts';

export const SHAPES: Record<ShapeId, WorkloadShape> = {
  support: { id: 'support', label: 'Support (short in / short out)', promptTokens: 256, outputTokens: 128, focus: 'TTFT' },
  summary: { id: 'summary', label: 'Summary (long in / short out)', promptTokens: 2048, outputTokens: 128, focus: 'KV cache' },
  coding: { id: 'coding', label: 'Coding (short in / long out)', promptTokens: 256, outputTokens: 1024, focus: 'TPOT' },
};
export const SHAPE_IDS: readonly ShapeId[] = ['support', 'summary', 'coding'];

export function isShapeId(s: string): s is ShapeId {
  return (SHAPE_IDS as readonly string[]).includes(s);
}

export type ShapeOverride = Partial<Pick<WorkloadShape, 'promptTokens' | 'outputTokens'>>;

/** A shape by id with optional token-count overrides; throws a clear error on bad input. */
export function resolveShape(shape: ShapeId | WorkloadShape, override: ShapeOverride = {}): WorkloadShape {
  let base: WorkloadShape;
  if (typeof shape === 'string') {
    if (!isShapeId(shape)) throw new Error(`unknown workload shape "${shape}": use one of ${SHAPE_IDS.join(', ')}`);
    base = SHAPES[shape];
  } else base = shape;
  const out = { ...base, ...stripUndefined(override) };
  for (const k of ['promptTokens', 'outputTokens'] as const) {
    const v = out[k];
    if (!Number.isInteger(v) || v < 1 || v > 1_000_000) {
      throw new Error(`shape ${out.id}: ${k} must be a whole number between 1 and 1000000, got ${v}`);
    }
  }
  return out;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

// Common short English words: most BPE tokenizers (Llama 3, GPT) encode " word" as one token, so
// a prompt of n such words is close to n tokens. The chat template adds a few; the first request's
// usage.prompt_tokens is compared with the target to report the real count.
const WORDS = (
  'the of and to in is it you that he was for on are with as his they be at one have this from or had by ' +
  'word but what some we can out other were all there when up use your how said an each she which do their ' +
  'time if will way about many then them write would like so these her long make thing see him two has look ' +
  'more day could go come did number sound no most people my over know water than call first who may down side'
).split(' ');

/**
 * A synthetic user prompt of about `tokens` tokens. `salt` varies the text between virtual users
 * so a prefix cache cannot turn the workload into cache hits.
 */
export function buildPrompt(tokens: number, salt = 0): string {
  const n = Math.max(1, Math.floor(tokens));
  const parts: string[] = [];
  // A short varying head defeats prefix caching; it costs ~2 tokens of the budget.
  parts.push(`req${salt}:`);
  let x = (salt * 2654435761) >>> 0 || 1;
  for (let i = 1; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    parts.push(WORDS[x % WORDS.length]);
  }
  return parts.join(' ');
}

/** How far a server's prompt count may be from the target before we say so (chat template overhead). */
export function promptTokenMismatch(target: number, measured: number): string | null {
  const diff = measured - target;
  if (Math.abs(diff) <= Math.max(16, target * 0.1)) return null;
  return `prompt is ${measured} tokens by the server's count, target ${target} (${diff > 0 ? '+' : ''}${diff})`;
}
