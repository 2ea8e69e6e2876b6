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

export function summarize(values: ArrayLike<number>): Percentiles {
  const n = values.length;
  if (n === 0) return { ...EMPTY_PERCENTILES };
  const s = sortNumbers(values);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s[i];
  return {
    n,
    mean: sum / n,
    p50: quantileSorted(s, 0.5),
    p90: quantileSorted(s, 0.9),
    p95: quantileSorted(s, 0.95),
    p99: quantileSorted(s, 0.99),
    min: s[0],
    max: s[n - 1],
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

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}
