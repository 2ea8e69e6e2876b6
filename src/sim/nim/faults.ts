// Fault injection for the load engine's golden tests. The choice is deterministic, so a test can
// know exactly which requests fail: with `every: k` the k-th, 2k-th, … generation requests fail;
// with `rate: f` the faults are spread evenly (request n, counting from 0, fails when
// floor((n+1)·f) > floor(n·f)) — exactly round(N·f) faults in N requests, no randomness.
// Only well-formed generation requests (after validation) are counted.

export type FaultKind = '429' | '500' | 'reset' | 'stall' | 'malformed';
export const FAULT_KINDS: readonly FaultKind[] = ['429', '500', 'reset', 'stall', 'malformed'];

export interface FaultSpec {
  kind: FaultKind;
  /** Fraction of requests, 0..1 (evenly spaced). */
  rate?: number;
  /** Every k-th request (k ≥ 1). */
  every?: number;
  /** reset / stall / malformed: tokens sent before the fault (default 3). */
  afterTokens?: number;
  /** 429: Retry-After header in seconds (default 1). */
  retryAfterS?: number;
}

export function validateFault(f: FaultSpec): FaultSpec {
  if (!FAULT_KINDS.includes(f.kind)) {
    throw new Error(`unknown fault '${f.kind}': use one of ${FAULT_KINDS.join(', ')}`);
  }
  const hasRate = f.rate !== undefined;
  const hasEvery = f.every !== undefined;
  if (hasRate === hasEvery) throw new Error(`fault ${f.kind}: give exactly one of rate (0..1) or every (k-th request)`);
  if (hasRate && !(f.rate! >= 0 && f.rate! <= 1)) throw new Error(`fault ${f.kind}: rate must be within 0..1, got ${f.rate}`);
  if (hasEvery && !(Number.isInteger(f.every) && f.every! >= 1)) throw new Error(`fault ${f.kind}: every must be an integer ≥ 1, got ${f.every}`);
  if (f.afterTokens !== undefined && !(Number.isInteger(f.afterTokens) && f.afterTokens >= 0)) {
    throw new Error(`fault ${f.kind}: afterTokens must be an integer ≥ 0, got ${f.afterTokens}`);
  }
  if (f.retryAfterS !== undefined && !(f.retryAfterS >= 0)) throw new Error(`fault ${f.kind}: retryAfterS must be ≥ 0`);
  return f;
}

/** Does fault `f` hit generation request number n (0-based)? */
export function faultHits(f: FaultSpec, n: number): boolean {
  if (f.every !== undefined) return (n + 1) % f.every === 0;
  const r = f.rate ?? 0;
  // 1e-9 guards against 0.29 × 100 = 28.999999999999996.
  return Math.floor((n + 1) * r + 1e-9) > Math.floor(n * r + 1e-9);
}

/** First listed fault that hits request n, or null. */
export function pickFault(faults: readonly FaultSpec[], n: number): FaultSpec | null {
  for (const f of faults) if (faultHits(f, n)) return f;
  return null;
}

/**
 * CLI form: `KIND:RATE[:key=value...]` where RATE is a fraction (0.05) or `1/K` (every K-th), keys
 * `after=N` (tokens before reset/stall/malformed) and `retry-after=S` (429). Several specs may be
 * joined by commas: `429:0.05,reset:1/50:after=5`.
 */
export function parseFaults(text: string): FaultSpec[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(parseOne);
}

function parseOne(s: string): FaultSpec {
  const usage = `expected KIND:RATE[:after=N][:retry-after=S] with KIND one of ${FAULT_KINDS.join('|')} and RATE a fraction like 0.05 or 1/K`;
  const [kind, rate, ...rest] = s.split(':');
  if (!kind || rate === undefined) throw new Error(`bad --fault '${s}': ${usage}`);
  const f: FaultSpec = { kind: kind as FaultKind };
  const every = /^1\/(\d+)$/.exec(rate);
  if (every) f.every = Number(every[1]);
  else if (/^(0|1|0?\.\d+|1\.0*)$/.test(rate)) f.rate = Number(rate);
  else throw new Error(`bad --fault '${s}': rate '${rate}' — ${usage}`);
  for (const kv of rest) {
    const m = /^(after|retry-after)=(\d+(?:\.\d+)?)$/.exec(kv);
    if (!m) throw new Error(`bad --fault '${s}': option '${kv}' — ${usage}`);
    if (m[1] === 'after') f.afterTokens = Number(m[2]);
    else f.retryAfterS = Number(m[2]);
  }
  try {
    return validateFault(f);
  } catch (e) {
    throw new Error(`bad --fault '${s}': ${(e as Error).message}`);
  }
}
