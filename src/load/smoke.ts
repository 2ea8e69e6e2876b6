// Smoke test and readiness helpers: is the endpoint up, does it serve the model, does one
// streamed chat completion work, are there metrics. Messages never carry the API key.
import { Agent, request, type Dispatcher } from 'undici';
import type { EventSink, SmokeCheck } from '../core/events.ts';
import { abortError } from '../core/clock.ts';
import { chatHeaders, sendChat } from './request.ts';
import { scrapeOnce } from './scraper.ts';
import { redact } from './redact.ts';

function root(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
}

function auth(apiKey?: string): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

async function getJson(url: string, apiKey: string | undefined, signal?: AbortSignal, timeoutMs = 5000): Promise<{ status: number; json: unknown; text: string }> {
  const res = await request(url, { method: 'GET', headers: auth(apiKey), signal, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const text = await res.body.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.statusCode, json, text };
}

function modelIds(json: unknown): string[] | null {
  const data = (json as { data?: unknown })?.data;
  if (!Array.isArray(data)) return null;
  return data.map((d) => (d as { id?: unknown })?.id).filter((x): x is string => typeof x === 'string');
}

/** The first model id of GET /v1/models (for a missing --model). */
export async function resolveModel(baseUrl: string, apiKey?: string): Promise<string> {
  const url = `${root(baseUrl)}/v1/models`;
  let r;
  try {
    r = await getJson(url, apiKey);
  } catch (e) {
    throw new Error(redact(`cannot reach ${url}: ${(e as Error).message} — check the target URL and that the server is up`, apiKey));
  }
  if (r.status === 401 || r.status === 403) throw new Error(`GET ${url} answered ${r.status}: the server wants an API key (set NIMBLE_API_KEY or --api-key-env)`);
  if (r.status !== 200) throw new Error(`GET ${url} answered ${r.status}: cannot list models; pass --model`);
  const ids = modelIds(r.json);
  if (ids === null) throw new Error(`GET ${url} did not return an OpenAI model list ({"data":[{"id":…}]}); pass --model`);
  if (ids.length === 0) throw new Error(`GET ${url} lists no models: the server serves nothing yet; pass --model or wait until it is ready`);
  return ids[0];
}

/**
 * Polls GET /v1/health/ready every intervalMs until it answers 200 (→ true) or timeoutMs passes
 * (→ false). Each probe is reported through onProbe. Rejects with an AbortError on abort.
 */
export async function waitForReady(
  baseUrl: string,
  opts: { apiKey?: string; intervalMs: number; timeoutMs: number },
  onProbe: (status: number | null, ready: boolean, error?: string) => void,
  signal: AbortSignal,
): Promise<boolean> {
  const url = `${root(baseUrl)}/v1/health/ready`;
  const deadline = performance.now() + opts.timeoutMs;
  for (;;) {
    if (signal.aborted) throw abortError(signal);
    const probeStart = performance.now();
    try {
      const res = await request(url, { method: 'GET', headers: auth(opts.apiKey), signal, headersTimeout: Math.max(1000, opts.intervalMs), bodyTimeout: Math.max(1000, opts.intervalMs) });
      await res.body.text().catch(() => '');
      const ready = res.statusCode === 200;
      onProbe(res.statusCode, ready);
      if (ready) return true;
    } catch (e) {
      if (signal.aborted) throw abortError(signal);
      onProbe(null, false, redact((e as Error).message, opts.apiKey));
    }
    const left = deadline - performance.now();
    if (left <= 0) return false;
    const wait = Math.min(left, Math.max(0, opts.intervalMs - (performance.now() - probeStart)));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, wait);
      const onAbort = () => {
        clearTimeout(t);
        reject(abortError(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/**
 * ready, models (the model must be listed), one streamed chat completion, metrics — each emitted
 * as a 'smoke.check' event and returned. Never throws for a failing endpoint: the checks say why.
 */
export async function runSmokeTest(baseUrl: string, model: string, apiKey: string | undefined, sink: EventSink, signal: AbortSignal): Promise<SmokeCheck[]> {
  const base = root(baseUrl);
  const checks: SmokeCheck[] = [];
  const emit = (c: SmokeCheck) => {
    const clean = { ...c, detail: redact(c.detail, apiKey) };
    checks.push(clean);
    sink({ type: 'smoke.check', check: clean });
  };
  const timed = async (name: SmokeCheck['name'], fn: () => Promise<{ ok: boolean; detail: string }>) => {
    if (signal.aborted) return;
    const t0 = performance.now();
    try {
      const r = await fn();
      emit({ name, ok: r.ok, ms: performance.now() - t0, detail: r.detail });
    } catch (e) {
      emit({ name, ok: false, ms: performance.now() - t0, detail: signal.aborted ? 'aborted' : `${(e as Error).message} — is the server reachable at ${base}?` });
    }
  };

  await timed('ready', async () => {
    const r = await getJson(`${base}/v1/health/ready`, apiKey, signal);
    return r.status === 200 ? { ok: true, detail: 'GET /v1/health/ready → 200' } : { ok: false, detail: `GET /v1/health/ready → ${r.status}: not ready yet; wait and retry` };
  });

  await timed('models', async () => {
    const r = await getJson(`${base}/v1/models`, apiKey, signal);
    if (r.status !== 200) return { ok: false, detail: `GET /v1/models → ${r.status}${r.status === 401 || r.status === 403 ? ': an API key is needed' : ''}` };
    const ids = modelIds(r.json);
    if (!ids) return { ok: false, detail: 'GET /v1/models did not return an OpenAI model list' };
    return ids.includes(model)
      ? { ok: true, detail: `serves ${model}` }
      : { ok: false, detail: `model "${model}" is not listed; the server serves: ${ids.join(', ') || '(none)'}` };
  });

  await timed('chat', async () => {
    const agent: Dispatcher = new Agent({ connections: 1 });
    try {
      const u = new URL(base);
      const rec = await sendChat(agent, {
        origin: u.origin,
        path: `${u.pathname.replace(/\/+$/, '')}/v1/chat/completions`,
        headers: { ...chatHeaders(apiKey) },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Say hello in five words.' }], max_tokens: 16, stream: true, stream_options: { include_usage: true } }),
        stream: true,
        signal,
        requestTimeoutMs: 60_000,
        stallTimeoutMs: 30_000,
        now: () => performance.now(),
        collectGaps: false,
      });
      if (!rec.ok) return { ok: false, detail: `streamed chat completion failed: ${rec.errorDetail ?? rec.errorClass}${rec.body400 ? ` — ${rec.body400.slice(0, 160)}` : ''}` };
      const ttft = rec.firstToken! - rec.start;
      return { ok: true, detail: `streamed ${rec.outputTokens} tokens (${rec.tokenSource}), TTFT ${Math.round(ttft)} ms, total ${Math.round(rec.end - rec.start)} ms` };
    } finally {
      await agent.close().catch(() => {});
    }
  });

  await timed('metrics', async () => {
    const r = await scrapeOnce(base, 0, { apiKey, signal });
    if (!r.sample) return { ok: false, detail: `no Prometheus metrics (${r.error}); the sweep will show queue and KV cache as unknown` };
    const s = r.sample;
    const f = (v: number | null, pct = false) => (v === null ? 'unknown' : pct ? `${(v * 100).toFixed(0)}%` : String(v));
    return {
      ok: s.engine !== 'unknown',
      detail: `${r.path}: engine ${s.engine}, running ${f(s.running)}, waiting ${f(s.waiting)}, KV cache ${f(s.kvCache, true)}`,
    };
  });
  return checks;
}
