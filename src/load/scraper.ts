// Polls the server's Prometheus metrics about once a second while the sweep runs. NIM serves
// /v1/metrics (older NIM and other engines /metrics); the first path that answers 200 is kept.
import { boundedGet, READ_LIMITS, ReadLimitError } from './http.ts';
import type { ServerSample } from '../core/sweep-types.ts';
import { METRICS_PATHS, toServerSample, type Engine } from '../core/server-metrics.ts';

export interface ScrapeResult {
  sample: ServerSample | null;
  path: string | null;
  error?: string;
  /** The last failure hit a read limit (bytes or time). */
  limit?: 'bytes' | 'time';
}

function authHeaders(apiKey?: string): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

/** One scrape. `path` given: only that path; else try each known path. */
export async function scrapeOnce(baseUrl: string, t: number, opts: { apiKey?: string; path?: string; engine?: Engine; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ScrapeResult> {
  const root = baseUrl.replace(/\/+$/, '');
  const paths = opts.path ? [opts.path] : [...METRICS_PATHS];
  let lastError = '';
  let limit: ScrapeResult['limit'];
  for (const path of paths) {
    try {
      const res = await boundedGet(root + path, { headers: authHeaders(opts.apiKey), timeoutMs: opts.timeoutMs ?? 3000, maxBytes: READ_LIMITS.metrics, signal: opts.signal });
      if (res.status !== 200) {
        lastError = `GET ${path} answered ${res.status}`;
        continue;
      }
      return { sample: toServerSample(res.text, t, opts.engine), path };
    } catch (e) {
      if (opts.signal?.aborted) break;
      const err = e as Error;
      limit = err instanceof ReadLimitError ? err.limit : undefined;
      lastError = limit ? err.message : `GET ${path} failed: ${err.message}`;
    }
  }
  return { sample: null, path: null, error: lastError, limit };
}

export interface Scraper {
  readonly samples: ServerSample[];
  stop(): Promise<void>;
}

/**
 * Scrapes every `intervalMs` (no overlap: the next starts after the previous ends) until stopped.
 * A failing endpoint is reported once through onError and retried quietly.
 */
export function startScraper(
  baseUrl: string,
  opts: {
    apiKey?: string;
    intervalMs: number;
    now: () => number;
    onSample: (s: ServerSample) => void;
    onError: (msg: string) => void;
    /** Known from a first scrape (skips the path search). */
    path?: string;
    engine?: Engine;
  },
): Scraper {
  const samples: ServerSample[] = [];
  const ac = new AbortController();
  let path: string | undefined = opts.path;
  let engine: Engine | undefined = opts.engine !== 'unknown' ? opts.engine : undefined;
  let warned = false;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();

  const tick = async () => {
    const started = performance.now();
    const r = await scrapeOnce(baseUrl, opts.now(), { apiKey: opts.apiKey, path, engine, timeoutMs: Math.max(1000, opts.intervalMs * 2), signal: ac.signal });
    if (stopped) return;
    if (r.sample) {
      path ??= r.path ?? undefined;
      if (r.sample.engine !== 'unknown') engine ??= r.sample.engine;
      // Stamp with the moment the answer came back: that is when the gauges were read.
      r.sample.t = opts.now();
      samples.push(r.sample);
      opts.onSample(r.sample);
    } else {
      if (!warned) {
        warned = true;
        opts.onError(`server metrics unavailable (${r.error}); queue and KV cache will show as unknown`);
      }
      // A body over the byte cap will not shrink: stop pulling megabytes every second.
      if (r.limit === 'bytes') return;
    }
    const wait = Math.max(0, opts.intervalMs - (performance.now() - started));
    timer = setTimeout(() => (running = tick()), wait);
  };
  running = tick();
  return {
    samples,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      ac.abort();
      await running.catch(() => {});
    },
  };
}
