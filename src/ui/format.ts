// Number and text formatting for views. Pure; one place so every view writes "2m00s" the same way.

import stringWidth from 'string-width';
import { msText } from '../core/result-text.ts';

/** "2m00s", "45s", "1h02m"; null → "—". Sub-10 s keeps one decimal ("4.2s"). */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const neg = ms < 0;
  const a = Math.abs(ms);
  let out: string;
  if (a < 10_000) out = `${(a / 1000).toFixed(1)}s`;
  else if (a < 60_000) out = `${Math.floor(a / 1000)}s`;
  else if (a < 3_600_000) {
    const s = Math.floor(a / 1000);
    out = `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  } else {
    const m = Math.floor(a / 60_000);
    out = `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
  }
  return neg ? `-${out}` : out;
}

/** A phase budget: minutes-and-seconds always ("2m00s", "0m30s"), as the tier tables read. */
export function formatBudget(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Session clock as mm:ss (or h:mm:ss). */
export function formatClock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** Latency in ms: "84 ms", "1.23 s". */
/** Milliseconds as every view shows them (one formatter: src/core/result-text.ts). */
export function formatMs(ms: number | null | undefined): string {
  return msText(ms);
}

export function formatRate(x: number | null | undefined, digits = 0): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  if (Math.abs(x) >= 10_000) return `${(x / 1000).toFixed(1)}k`;
  return x.toFixed(digits);
}

/** 0..1 → "97.5%" ("100%" when whole). */
export function formatPct(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'unknown';
  const p = Math.round(x * 1000) / 10;
  return Number.isInteger(p) ? `${p}%` : `${p.toFixed(1)}%`;
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

/** An hourly price: small rates keep their digits ("$0.0113/h"), larger ones cents ("$2.01/h"). */
export function formatHourly(usd: number | null): string {
  if (usd === null) return 'unknown';
  if (usd !== 0 && Math.abs(usd) < 0.1) return `$${usd.toFixed(4)}/h`;
  return `$${usd.toFixed(2)}/h`;
}
