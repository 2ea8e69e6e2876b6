// Stream parsers for kubectl output: a line splitter for chunked stdout, the NDJSON watch events
// of `kubectl get -w --output-watch-events -o json`, and NIM log lines. Pure.

export interface K8sObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; uid?: string; labels?: Record<string, string>; annotations?: Record<string, string>; creationTimestamp?: string; deletionTimestamp?: string; resourceVersion?: string };
  spec?: any;
  status?: any;
  [k: string]: any;
}

export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
export interface WatchEvent { type: WatchType; object: K8sObject }

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

/** One line of `--output-watch-events -o json`; null for anything else (warnings, blank, junk). */
export function parseWatchLine(line: string): WatchEvent | null {
  const s = line.trim();
  if (!s.startsWith('{')) return null;
  let v: any;
  try {
    v = JSON.parse(s);
  } catch {
    return null;
  }
  if (!v || typeof v !== 'object' || typeof v.type !== 'string' || !v.object || typeof v.object !== 'object') return null;
  if (!['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'].includes(v.type)) return null;
  if (v.type !== 'ERROR' && typeof v.object.metadata?.name !== 'string') return null;
  return v as WatchEvent;
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
export function eventTime(ev: K8sObject): number {
  const s = ev.series?.lastObservedTime ?? ev.lastTimestamp ?? ev.eventTime ?? ev.firstTimestamp ?? ev.metadata?.creationTimestamp;
  const t = s ? Date.parse(s) : NaN;
  return Number.isFinite(t) ? t : 0;
}

/** How many times an event occurred (count, or series.count for the events.k8s.io style). */
export function eventCount(ev: K8sObject): number {
  return Number(ev.series?.count ?? ev.count ?? 1) || 1;
}
