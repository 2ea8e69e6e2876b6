// Percentiles and a distribution-free confidence interval for a quantile.
//
// Method: linear interpolation between closest ranks (numpy's default, "type 7"):
// for sorted x[0..n-1] and q in [0,1], h = (n − 1)·q, result = x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]).
import type { Percentiles } from './sweep-types.ts';

export const PERCENTILE_METHOD = 'linear interpolation between closest ranks (numpy default)';

/** q in [0,1]; `sorted` ascending. NaN for an empty array. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  if (n === 1) return sorted[0];
  const h = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function sortNumbers(values: ArrayLike<number>): Float64Array {
  // Typed-array sort is numeric and much faster than Array#sort with a comparator.
  const a = Float64Array.from(values as ArrayLike<number>);
  a.sort();
  return a;
}

export const EMPTY_PERCENTILES: Percentiles = { n: 0, mean: NaN, p50: NaN, p90: NaN, p95: NaN, p99: NaN, min: NaN, max: NaN };

/**
 * Confidence of the interval stored with each percentile: two-sided 90 %, i.e. a one-sided 95 %
 * bound on each side — the bounds the sweep decides on (src/core/sweep.ts).
 */
export const PERCENTILE_CI_CONFIDENCE = 0.9;

/**
 * Fewest samples for which a distribution-free one-sided bound on the q-quantile exists at
 * `oneSided` confidence: the largest of n samples bounds it only once 1 − q^n ≥ oneSided
 * (p50: 5, p95: 59, p99: 299 at 95 %). Below that the percentile of the sample is not an estimate.
 */
export function minSamplesForQuantile(q: number, oneSided = 0.95): number {
  return Math.ceil(Math.log(1 - oneSided) / Math.log(q) - 1e-9);
}

function bound(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export function summarize(values: ArrayLike<number>): Percentiles {
  const n = values.length;
  if (n === 0) return { ...EMPTY_PERCENTILES };
  const s = sortNumbers(values);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s[i];
  const ci = (q: number): [number | null, number | null] => {
    const c = quantileCI(s, q, PERCENTILE_CI_CONFIDENCE);
    return [bound(c.low), bound(c.high)];
  };
  return {
    n,
    mean: sum / n,
    p50: quantileSorted(s, 0.5),
    p90: quantileSorted(s, 0.9),
    p95: quantileSorted(s, 0.95),
    p99: quantileSorted(s, 0.99),
    min: s[0],
    max: s[n - 1],
    ci: { confidence: PERCENTILE_CI_CONFIDENCE, p50: ci(0.5), p95: ci(0.95), p99: ci(0.99) },
  };
}

/** log of the binomial pmf, computed with lgamma-free running sums (exact enough for n ≤ 1e6). */
function binomialCdfTable(n: number, p: number): Float64Array {
  // cdf[k] = P(B ≤ k), B ~ Binomial(n, p). pmf built in log space to avoid underflow.
  const logp = Math.log(p);
  const logq = Math.log1p(-p);
  const logPmf = new Float64Array(n + 1);
  let logC = 0; // log C(n, k)
  for (let k = 0; k <= n; k++) {
    if (k > 0) logC += Math.log(n - k + 1) - Math.log(k);
    logPmf[k] = logC + k * logp + (n - k) * logq;
  }
  let max = -Infinity;
  for (let k = 0; k <= n; k++) if (logPmf[k] > max) max = logPmf[k];
  const cdf = new Float64Array(n + 1);
  let acc = 0;
  let total = 0;
  for (let k = 0; k <= n; k++) total += Math.exp(logPmf[k] - max);
  for (let k = 0; k <= n; k++) {
    acc += Math.exp(logPmf[k] - max);
    cdf[k] = acc / total;
  }
  return cdf;
}

export interface QuantileCI {
  /** Lower bound; -Infinity when too few samples to bound it. */
  low: number;
  /** Upper bound; +Infinity when too few samples to bound it (e.g. p95 needs n ≥ 72 at 95%). */
  high: number;
  /** 1-based order-statistic ranks used (0 / n+1 when unbounded). */
  lowRank: number;
  highRank: number;
  confidence: number;
}

/**
 * Distribution-free CI for the q-quantile from order statistics: the number of samples below the
 * true quantile is Binomial(n, q), so [x(l), x(u)] covers it with probability
 * P(l ≤ B < u) ≥ confidence, where l and u are chosen with α/2 in each tail (exact binomial).
 */
export function quantileCI(sorted: ArrayLike<number>, q: number, confidence = 0.95): QuantileCI {
  const n = sorted.length;
  const alpha = 1 - confidence;
  if (n === 0) return { low: -Infinity, high: Infinity, lowRank: 0, highRank: 1, confidence };
  const cdf = binomialCdfTable(n, q);
  // lower: largest l with P(B ≤ l−1) ≤ α/2  (x(l) ≤ quantile with prob ≥ 1 − α/2)
  let l = 0;
  for (let k = 1; k <= n; k++) {
    if (cdf[k - 1] <= alpha / 2) l = k;
    else break;
  }
  // upper: smallest u with P(B ≤ u−1) ≥ 1 − α/2
  let u = n + 1;
  for (let k = 1; k <= n; k++) {
    if (cdf[k - 1] >= 1 - alpha / 2) {
      u = k;
      break;
    }
  }
  return {
    low: l >= 1 ? sorted[l - 1] : -Infinity,
    high: u <= n ? sorted[u - 1] : Infinity,
    lowRank: l,
    highRank: u,
    confidence,
  };
}

/**
 * Exact (Clopper–Pearson) one-sided lower confidence bound on a binomial proportion: with x
 * events in n trials, the true rate is at least this with probability `confidence`.
 */
export function binomialLowerBound(x: number, n: number, confidence = 0.95): number {
  if (n <= 0 || x <= 0) return 0;
  const alpha = 1 - confidence;
  // P(X ≥ x | p) grows with p: bisect for the p where it equals alpha.
  const tail = (p: number) => 1 - (x >= 1 ? binomialCdfTable(n, p)[x - 1] : 0);
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (tail(mid) < alpha) lo = mid;
    else hi = mid;
  }
  return lo;
}

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}
