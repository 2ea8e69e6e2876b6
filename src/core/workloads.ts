// Workload shapes (seed 001): what a "user" sends. Token counts are defaults the user can override.
// Room for seed 003/004's step/spike/soak patterns: those vary concurrency over time, not the shape.
import { SHAPE_IDS, type LevelResult, type ShapeId, type WorkloadShape } from './sweep-types.ts';

export { SHAPE_IDS };

export const SHAPES: Record<ShapeId, WorkloadShape> = {
  support: { id: 'support', label: 'Support (short in / short out)', promptTokens: 256, outputTokens: 128, focus: 'TTFT' },
  summary: { id: 'summary', label: 'Summary (long in / short out)', promptTokens: 2048, outputTokens: 128, focus: 'KV cache' },
  coding: { id: 'coding', label: 'Coding (short in / long out)', promptTokens: 256, outputTokens: 1024, focus: 'TPOT' },
};

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

/**
 * How a sweep's prompts are built (issue 9). Every prompt starts with the session's random salt,
 * so nothing is shared with another run or session; then, unless `prefixCacheHit` asks for a
 * shared prefix, a per-request marker, so no two prompts of the session share more than the salt.
 * With `prefixCacheHit` = h, the first h × tokens of every prompt are the same within the session
 * (what a prefix cache can reuse), and the marker follows them.
 */
export interface PromptPlan {
  /** Random per session (a few letters and digits), chosen by the caller (core does no I/O). */
  salt: string;
  /** 0 (default) … < 1. */
  prefixCacheHit: number;
}

export interface LevelPrompts {
  /** Same for every request of the session (salt + shared words), ends with a space. */
  head: string;
  /** Same for every request of the level; follows the per-request marker. */
  body: string;
}

/** Prefix-cache share: a number in [0, 1) (1 would make every prompt identical). */
export function validPrefixCacheHit(x: number): boolean {
  return Number.isFinite(x) && x >= 0 && x < 1;
}

export function levelPrompts(tokens: number, plan: PromptPlan, levelId: number): LevelPrompts {
  const n = Math.max(1, Math.floor(tokens));
  const shared = Math.min(n - 1, Math.round(plan.prefixCacheHit * n));
  // The salt and the marker cost a few tokens of the budget; the server's count is what is reported.
  const marker = 3;
  const head = shared > 0 ? `${plan.salt} ${buildPrompt(shared, hashSalt(plan.salt)).replace(/^req\d+:/, '')} ` : `${plan.salt}:`;
  const body = buildPrompt(Math.max(1, n - shared - marker), levelId);
  return { head, body };
}

/** The prompt of request `n` of user `user` at level `levelId`. */
export function requestPrompt(p: LevelPrompts, levelId: number, user: number, n: number): string {
  return `${p.head}L${levelId}u${user}r${n} ${p.body}`;
}

function hashSalt(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** What the engine measured beyond the timings (the raw counts behind LevelResult's extras). */
export interface RequestExtras {
  /** Requests sent again after a reset before any response byte. */
  retried?: number;
  /** One server reason per error class (bounded), e.g. http_400 → "http_400: request (2128 tokens) exceeds …". */
  errorExamples?: Record<string, string>;
  /** Completed requests whose prompt length the server reported (usage.prompt_tokens). */
  promptTokensReported?: number;
  requestedPromptTokens: number;
  requestedOutputTokens: number;
  completed: number;
}

/** Requested vs actual and retries, for LevelResult (spread into it by evaluateLevel). */
export function levelExtras(m: RequestExtras): Pick<LevelResult, 'requested' | 'promptTokenSource' | 'retried' | 'errorExamples'> {
  const reported = m.promptTokensReported ?? 0;
  return {
    requested: { promptTokens: m.requestedPromptTokens, outputTokens: m.requestedOutputTokens },
    promptTokenSource: m.completed === 0 || reported === m.completed ? 'usage' : reported === 0 ? 'requested' : 'mixed',
    retried: m.retried ?? 0,
    ...(m.errorExamples && Object.keys(m.errorExamples).length ? { errorExamples: m.errorExamples } : {}),
  };
}

/**
 * "prompt 256 requested / 261 by the server's count · output 128 requested / 128 (server usage)"
 * over the levels that completed requests; null when none did. One formatter for every view.
 */
export function tokensLine(levels: LevelResult[]): string | null {
  const done = levels.filter((l) => l.completed > 0);
  if (!done.length) return null;
  const n = done.reduce((a, l) => a + l.completed, 0);
  const mean = (f: (l: LevelResult) => number) => done.reduce((a, l) => a + f(l) * l.completed, 0) / n;
  const req = done[0].requested;
  const promptSrc = done.every((l) => l.promptTokenSource === 'usage') ? "by the server's count" : done.some((l) => l.promptTokenSource === 'usage') ? "partly by the server's count" : 'not reported by the server';
  const outSrc = done.every((l) => l.tokenSource === 'usage') ? 'server usage' : 'counted from chunks';
  const prompt = req ? `prompt ${req.promptTokens} requested / ${Math.round(mean((l) => l.meanPromptTokens))} ${promptSrc}` : `prompt ${Math.round(mean((l) => l.meanPromptTokens))}`;
  const output = `output ${req && req.outputTokens > 0 ? `${req.outputTokens} requested` : 'not forced'} / ${mean((l) => l.meanOutputTokens).toFixed(req && req.outputTokens > 0 ? 0 : 1)} (${outSrc})`;
  const retried = done.reduce((a, l) => a + (l.retried ?? 0), 0) + levels.filter((l) => l.completed === 0).reduce((a, l) => a + (l.retried ?? 0), 0);
  return `${prompt} · ${output}${retried ? ` · ${retried} sent again after a reset before any byte` : ''}`;
}
