// The one formatter per kind of figure. Every view, plain line, Markdown/CSV export, compare and
// validate text goes through these, so a session shows the same figures everywhere. Pure.
//
// One rounding rule for all of them: round the magnitude half-up at the last digit shown, then put
// the sign on (so a delta that rounds to zero is "±0…", never "+0s" or "−0s").
//
//   duration   durationText     null → "—"; under 10 s one decimal, ".0" dropped: "0s" "0.4s" "4.2s" "5s";
//                               under an hour "45s" "17m34s"; from an hour on "1h02m"
//   delta      durationDelta    "+1m02s" "−4.2s" "±0s"; null → "—"
//   money      usdText          null → "unknown"; cents "$2.01" "$0.00" "$0.05"; a non-zero amount under
//                               10 cents keeps two significant digits "$0.011" "$0.0042"
//              usdDelta         "+$0.12" "−$0.0042" "±$0.00"
//              hourlyText       usdText + "/h"
//   percent    pctText          a share 0..1: "97.5%" "55%" "100%" (one decimal, ".0" dropped; near the
//                               ends "99.95%" ">99.99%" "<0.1%", never 100% or 0% unless exact); null → "—"
//              pctPointsDelta   a change of share in percentage points: "+2.5 pts" "−10 pts" "±0 pts"
//   latency    latencyText      "84.0 ms" (under 100 ms), "420 ms", "2.38 s"; null → "—"
//   count      countDelta       "+8 users" "−8 users" "±0"
//   budget     budgetText       a phase budget: durationText, but 0 reads "no wait (warm node, ≤ 30s)"
//   clock      clockText        a running clock "09:27" / "1:02:03" (floored: it ticks)

import { ZERO_BUDGET_GRACE_MS } from './tiers.ts';

type Num = number | null | undefined;
const known = (x: Num): x is number => typeof x === 'number' && Number.isFinite(x);
const MINUS = '−';

/** Round the magnitude half-up to `step` (so 0.5 → 1 and −0.5 → −1 by magnitude). */
const roundTo = (a: number, step: number) => Math.round(a / step) * step;

function durationAbs(a: number): string {
  if (a === 0) return '0s';
  const tenths = Math.round(a / 100);
  if (tenths < 100) return `${tenths % 10 ? (tenths / 10).toFixed(1) : tenths / 10}s`;
  const s = Math.round(a / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  const m = Math.round(a / 60_000);
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** A duration (phase, stage, wall time, budget): "4.2s", "45s", "17m34s", "1h02m"; unknown → "—". */
export function durationText(ms: Num): string {
  if (!known(ms)) return '—';
  const out = durationAbs(Math.abs(ms));
  return ms < 0 && out !== '0s' ? `-${out}` : out;
}

/** A change of duration: "+1m02s", "−4.2s", "±0s" when it rounds to zero; unknown → "—". */
export function durationDelta(ms: Num): string {
  if (!known(ms)) return '—';
  const out = durationAbs(Math.abs(ms));
  if (out === '0s') return '±0s';
  return `${ms > 0 ? '+' : MINUS}${out}`;
}

function usdAbs(a: number): string {
  const cents = roundTo(a, 0.01);
  if (a === 0 || cents >= 0.1) return `$${cents.toFixed(2)}`;
  // Two significant digits below 10 cents: a GB-hour or a price per token must not read "$0.00".
  const digits = Math.max(2, 1 - Math.floor(Math.log10(a)));
  return `$${a.toFixed(digits).replace(/(\.\d\d\d*?)0+$/, '$1')}`; // "$0.05", not "$0.050"
}

/** Money in US dollars: "$2.01", "$0.00", "$0.011"; unknown → "unknown" (never $0). */
export function usdText(usd: Num): string {
  if (!known(usd)) return 'unknown';
  const out = usdAbs(Math.abs(usd));
  return usd < 0 && out !== '$0.00' ? `-${out}` : out;
}

/** An hourly price: "$2.01/h", "$0.011/h". */
export function hourlyText(usd: Num): string {
  return known(usd) ? `${usdText(usd)}/h` : 'unknown';
}

/** A change of money: "+$0.12", "−$0.0042", "±$0.00"; unknown → "—". */
export function usdDelta(usd: Num): string {
  if (!known(usd)) return '—';
  const out = usdAbs(Math.abs(usd));
  if (out === '$0.00') return '±$0.00';
  return `${usd > 0 ? '+' : MINUS}${out}`;
}

function pctAbs(share: number): string {
  const p = Math.round(share * 1000) / 10;
  // Never round onto a boundary not reached: 99.96% is not "100%", 0.02% is not "0%".
  if (p >= 100 && share < 1) {
    const p2 = Math.floor(share * 10_000) / 100;
    return p2 >= 100 || share > 0.9999 ? '>99.99' : p2.toFixed(2);
  }
  if (p === 0 && share > 0) return '<0.1';
  return Number.isInteger(p) ? `${p}` : p.toFixed(1);
}

/** A share 0..1 as a percentage: "97.5%", "55%", "100%"; unknown → "—". */
export function pctText(share: Num): string {
  if (!known(share)) return '—';
  const out = pctAbs(Math.abs(share));
  return share < 0 && out !== '0' ? `-${out}%` : `${out}%`;
}

/** A change of share in percentage points: "+2.5 pts", "−10 pts", "±0 pts"; unknown → "—". */
export function pctPointsDelta(share: Num): string {
  if (!known(share)) return '—';
  const out = pctAbs(Math.abs(share));
  if (out === '0' || out === '<0.1') return '±0 pts';
  return `${share > 0 ? '+' : MINUS}${out} pts`;
}

/** A change of a count: "+8 users", "−8 users", "±0"; unknown → "—". */
export function countDelta(n: Num, unit = ''): string {
  if (!known(n)) return '—';
  const r = Math.round(n);
  if (r === 0) return '±0';
  return `${r > 0 ? '+' : MINUS}${Math.abs(r)}${unit ? ` ${unit}` : ''}`;
}

/** A latency in milliseconds: "84.0 ms", "420 ms", "2.38 s"; unknown → "—". */
export function latencyText(ms: Num): string {
  if (!known(ms)) return '—';
  const a = Math.abs(ms);
  const sign = ms < 0 ? '-' : '';
  if (Math.round(a) >= 1000) return `${sign}${(a / 1000).toFixed(2)} s`;
  if (a >= 99.95) return `${sign}${Math.round(a)} ms`;
  return `${sign}${a.toFixed(1)} ms`;
}

/** A latency range (a confidence interval): one more digit when both ends would print the same. */
export function latencyRangeText(lo: number, hi: number): string {
  const a = latencyText(lo);
  const b = latencyText(hi);
  if (a !== b || !known(lo) || !known(hi) || Math.abs(hi) >= 1000) return `${a} – ${b}`;
  return `${lo.toFixed(1)} ms – ${hi.toFixed(1)} ms`;
}

/** A running clock as mm:ss (or h:mm:ss); floored, since it ticks. */
export function clockText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/**
 * A phase or stage budget. A budget of 0 is the tier's "no wait" (a warm node), judged with a grace
 * (tiers.ts ZERO_BUDGET_GRACE_MS): print that, not a bare "0s" nobody can read.
 */
export function budgetText(ms: number): string {
  return ms === 0 ? `no wait (warm node, ≤ ${durationText(ZERO_BUDGET_GRACE_MS)})` : durationText(ms);
}
