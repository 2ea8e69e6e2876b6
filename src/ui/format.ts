// Number and text formatting for views. Pure.

import stringWidth from 'string-width';
import { budgetText, clockText, durationText, hourlyText, latencyText, pctText } from '../core/format.ts';

// Durations, money, percentages and latencies come from the one formatter per kind in
// src/core/format.ts (formats and rounding documented there); these names are kept for the views.
export const formatDuration = durationText;
/** A phase or stage budget: the same duration text as what was measured against it (0: "no wait"). */
export const formatBudget = budgetText;
export const formatClock = clockText;
export const formatMs = latencyText;
export const formatPct = pctText;
export const formatHourly = hourlyText;

export function formatRate(x: number | null | undefined, digits = 0): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (Math.abs(x) >= 10_000) return `${(x / 1000).toFixed(1)}k`;
  return x.toFixed(digits);
}

/** Cut to `width` terminal columns (ANSI- and wide-character-aware), ending in "…" when cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (stringWidth(text) <= width) return text;
  let out = '';
  for (const ch of text) {
    if (stringWidth(out + ch) > width - 1) break;
    out += ch;
  }
  return out + '…';
}

export function padEnd(text: string, width: number): string {
  const w = stringWidth(text);
  return w >= width ? text : text + ' '.repeat(width - w);
}

export function padStart(text: string, width: number): string {
  const w = stringWidth(text);
  return w >= width ? text : ' '.repeat(width - w) + text;
}

export { stringWidth };
