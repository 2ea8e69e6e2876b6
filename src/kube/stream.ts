// Stream parsers for kubectl output: a line splitter for chunked stdout, the NDJSON watch events
// of `kubectl get -w --output-watch-events -o json`, and NIM log lines. Pure.

import type { KubeEvent, KubeObject } from './k8s-types.ts';

/** Any object from kubectl; the kinds nimble reads are typed in k8s-types.ts. */
export type K8sObject = KubeObject;

export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
/** One watch event of a `kubectl get <kind> -w`: its objects are of that kind (T). */
export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchType;
  object: T;
}
const WATCH_TYPES: readonly string[] = ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'] satisfies WatchType[];

/** Splits a byte/text stream into lines; keeps the unfinished tail until the next chunk. */
export class LineSplitter {
  private tail = '';
  push(chunk: string | Buffer): string[] {
    const text = this.tail + chunk.toString();
    const parts = text.split(/\r?\n/);
    this.tail = parts.pop() ?? '';
    return parts.filter((l) => l.length > 0);
  }
  /** The last unterminated line, if any (call when the stream ends). */
  flush(): string[] {
    const t = this.tail;
    this.tail = '';
    return t ? [t] : [];
  }
}

/**
 * One line of `--output-watch-events -o json`; null for anything else (warnings, blank, junk).
 * Checked: the event's type and the object's metadata.name. The rest of the object is taken to
 * be the kind (T) the caller's `kubectl get` watches: that is what the API server sends.
 */
export function parseWatchLine<T extends KubeObject = KubeObject>(line: string): WatchEvent<T> | null {
  const s = line.trim();
  if (!s.startsWith('{')) return null;
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    return null;
  }
  if (!isRecord(v) || !isWatchType(v.type) || !isRecord(v.object)) return null;
  if (v.type !== 'ERROR' && !(isRecord(v.object.metadata) && typeof v.object.metadata.name === 'string')) return null;
  return { ...v, type: v.type, object: v.object as T };
}

function isWatchType(t: unknown): t is WatchType {
  return typeof t === 'string' && WATCH_TYPES.includes(t);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

export interface NimLogLine { line: string; level?: string }

/**
 * A NIM log line: JSON lines carry the text in "message" (level in "level"), older/plain logs are
 * text. ANSI colour codes are stripped.
 */
export function parseNimLogLine(raw: string): NimLogLine | null {
  // eslint-disable-next-line no-control-regex
  const s = raw.replace(/\x1b\[[0-9;]*m/g, '').trim();
  if (!s) return null;
  if (s.startsWith('{')) {
    try {
      const v = JSON.parse(s);
      if (v && typeof v === 'object') {
        const msg = v.message ?? v.msg;
        if (typeof msg === 'string') {
          const level = typeof v.level === 'string' ? v.level : typeof v.levelname === 'string' ? v.levelname : undefined;
          return { line: msg.trim(), level };
        }
      }
    } catch {
      /* not JSON after all: keep the text */
    }
  }
  return { line: s };
}

/** `kubectl port-forward` prints "Forwarding from 127.0.0.1:PORT -> 8000". */
export function parsePortForwardLine(line: string): { host: string; port: number } | null {
  const m = /Forwarding from (127\.0\.0\.1|\[::1\]|localhost):(\d+) ->/.exec(line);
  return m ? { host: m[1] === '[::1]' ? '[::1]' : '127.0.0.1', port: Number(m[2]) } : null;
}

/** Time of an event occurrence: series.lastObservedTime, else lastTimestamp, else eventTime. */
export function eventTime(ev: KubeEvent): number {
  const s = ev.series?.lastObservedTime ?? ev.lastTimestamp ?? ev.eventTime ?? ev.firstTimestamp ?? ev.metadata?.creationTimestamp;
  const t = s ? Date.parse(s) : NaN;
  return Number.isFinite(t) ? t : 0;
}

/** How many times an event occurred (count, or series.count for the events.k8s.io style). */
export function eventCount(ev: KubeEvent): number {
  return Number(ev.series?.count ?? ev.count ?? 1) || 1;
}
