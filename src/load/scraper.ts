// Polls the server's Prometheus metrics about once a second while the sweep runs. NIM serves
// /v1/metrics (older NIM and other engines /metrics); the first path that answers 200 is kept.
import { request } from 'undici';
import type { ServerSample } from '../core/sweep-types.ts';
import { METRICS_PATHS, toServerSample, type Engine } from '../core/server-metrics.ts';

export interface ScrapeResult {
  sample: ServerSample | null;
  path: string | null;
  error?: string;
}

function authHeaders(apiKey?: string): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

/** One scrape. `path` given: only that path; else try each known path. */
export async function scrapeOnce(baseUrl: string, t: number, opts: { apiKey?: string; path?: string; engine?: Engine; timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ScrapeResult> {
  const root = baseUrl.replace(/\/+$/, '');
  const paths = opts.path ? [opts.path] : [...METRICS_PATHS];
  let lastError = '';
  for (const path of paths) {
    try {
      const res = await request(root + path, {
        method: 'GET',
        headers: authHeaders(opts.apiKey),
        headersTimeout: opts.timeoutMs ?? 3000,
        bodyTimeout: opts.timeoutMs ?? 3000,
        signal: opts.signal,
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) {
        lastError = `GET ${path} answered ${res.statusCode}`;
        continue;
      }
      return { sample: toServerSample(text, t, opts.engine), path };
    } catch (e) {
      lastError = `GET ${path} failed: ${(e as Error).message}`;
    }
  }
  return { sample: null, path: null, error: lastError };
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
  opts: { apiKey?: string; intervalMs: number; now: () => number; onSample: (s: ServerSample) => void; onError: (msg: string) => void },
): Scraper {
  const samples: ServerSample[] = [];
  const ac = new AbortController();
  let path: string | undefined;
  let engine: Engine | undefined;
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
    } else if (!warned) {
      warned = true;
      opts.onError(`server metrics unavailable (${r.error}); queue and KV cache will show as unknown`);
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
