// Smoke test and readiness helpers: is the endpoint up, does it serve the model, does one
// streamed chat completion work, are there metrics. Messages never carry the API key.
import { Agent, type Dispatcher } from 'undici';
import type { EventSink, SmokeCheck } from '../core/events.ts';
import { abortError } from '../core/clock.ts';
import { chatHeaders, sendChat } from './request.ts';
import { scrapeOnce } from './scraper.ts';
import { redact } from './redact.ts';
import { boundedGet, READ_LIMITS, ReadLimitError } from './http.ts';
import { oneLine } from '../util/sanitize.ts';
import { NO_METRICS_NOTE } from '../core/server-metrics.ts';

function root(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
}

function auth(apiKey?: string): Record<string, string> {
  return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
}

async function getJson(url: string, apiKey: string | undefined, signal: AbortSignal | undefined, maxBytes: number, timeoutMs = 5000): Promise<{ status: number; json: unknown; text: string; location: string | null }> {
  const r = await boundedGet(url, { headers: auth(apiKey), signal, maxBytes, timeoutMs });
  let json: unknown = null;
  try {
    json = JSON.parse(r.text);
  } catch {
    /* not JSON */
  }
  return { status: r.status, json, text: r.text, location: r.location };
}

/** The streamed chat check's whole-request limit (half of it without a byte is a stall). */
export const SMOKE_CHAT_TIMEOUT_MS = 30_000;

/** Health endpoints in the order tried: NIM's, the common one (vLLM, SGLang, TGI, llama.cpp), then the model list. */
export const HEALTH_PATHS = ['/v1/health/ready', '/health', '/v1/models'] as const;

export interface HealthProbe {
  ready: boolean;
  /** Status of the answer that decided (null: no answer). */
  status: number | null;
  /** The path that decided, null when none did. */
  path: string | null;
  detail: string;
}

/**
 * One readiness probe: the first health path that exists decides (200 → ready; any other answer
 * but 404/405/501/3xx → not ready). A path that does not exist hands over to the next.
 * Network errors and read limits reject (the caller says what it means).
 */
export async function probeHealth(baseUrl: string, apiKey: string | undefined, signal: AbortSignal | undefined, timeoutMs = 5000): Promise<HealthProbe> {
  const base = root(baseUrl);
  const tried: string[] = [];
  for (const path of HEALTH_PATHS) {
    const r = await getJson(base + path, apiKey, signal, path === '/v1/models' ? READ_LIMITS.models : READ_LIMITS.health, timeoutMs);
    if (r.status === 200) return { ready: true, status: 200, path, detail: `GET ${path} → 200${tried.length ? ` (${tried.join(', ')})` : ''}` };
    if (r.status === 401 || r.status === 403) return { ready: false, status: r.status, path, detail: `GET ${path} → ${r.status}: the server wants an API key (set NIMBLE_API_KEY or --api-key-env)` };
    if (r.status === 404 || r.status === 405 || r.status === 501 || (r.status >= 300 && r.status < 400)) {
      tried.push(`${path} ${r.status}${r.location ? ` → ${oneLine(r.location, 80)} not followed` : ''}`);
      continue;
    }
    return { ready: false, status: r.status, path, detail: `GET ${path} → ${r.status}: not ready yet; wait and retry${reasonOf(r.text)}` };
  }
  return { ready: false, status: null, path: null, detail: `no health endpoint answered 200 (${tried.join(', ')})` };
}

function reasonOf(text: string): string {
  const t = oneLine(text, 120);
  return t ? ` (${t})` : '';
}

function modelIds(json: unknown): string[] | null {
  const data = (json as { data?: unknown })?.data;
  if (!Array.isArray(data)) return null;
  return data.map((d) => (d as { id?: unknown })?.id).filter((x): x is string => typeof x === 'string');
}

/** An id that would drive a terminal (control characters, escape sequences) is not a usable model id. */
function cleanId(id: string): boolean {
  // eslint-disable-next-line no-control-regex
  return id.length > 0 && id.length <= 256 && !/[\u0000-\u001f\u007f-\u009f]/.test(id);
}

function showIds(ids: string[]): string {
  const shown = ids.slice(0, 5).map((id) => (cleanId(id) ? id : JSON.stringify(oneLine(id, 60))));
  return shown.join(', ') + (ids.length > 5 ? `, … (${ids.length} in all)` : '');
}

/** The first model id of GET /v1/models (for a missing --model). */
export async function resolveModel(baseUrl: string, apiKey?: string): Promise<string> {
  const url = `${root(baseUrl)}/v1/models`;
  let r;
  try {
    r = await getJson(url, apiKey, undefined, READ_LIMITS.models);
  } catch (e) {
    throw new Error(redact(`cannot reach ${url}: ${(e as Error).message} — check the target URL and that the server is up`, apiKey));
  }
  if (r.status === 401 || r.status === 403) throw new Error(`GET ${url} answered ${r.status}: the server wants an API key (set NIMBLE_API_KEY or --api-key-env)`);
  if (r.status !== 200) throw new Error(`GET ${url} answered ${r.status}: cannot list models; pass --model${reasonOf(r.text)}`);
  const ids = modelIds(r.json);
  if (ids === null) throw new Error(`GET ${url} did not return an OpenAI model list ({"data":[{"id":…}]}); pass --model`);
  if (ids.length === 0) throw new Error(`GET ${url} lists no models: the server serves nothing yet; pass --model or wait until it is ready`);
  const usable = ids.filter(cleanId);
  if (usable.length === 0) throw new Error(`GET ${url} lists only model ids with control characters or over 256 characters (${showIds(ids)}); pass --model`);
  return usable[0];
}

/**
 * Polls the health endpoint (probeHealth) every intervalMs until it answers 200 (→ true) or timeoutMs passes
 * (→ false). Each probe is reported through onProbe. Rejects with an AbortError on abort.
 */
export async function waitForReady(
  baseUrl: string,
  opts: { apiKey?: string; intervalMs: number; timeoutMs: number },
  onProbe: (status: number | null, ready: boolean, error?: string) => void,
  signal: AbortSignal,
): Promise<boolean> {
  const deadline = performance.now() + opts.timeoutMs;
  for (;;) {
    if (signal.aborted) throw abortError(signal);
    const probeStart = performance.now();
    try {
      const p = await probeHealth(baseUrl, opts.apiKey, signal, Math.max(1000, opts.intervalMs));
      onProbe(p.status, p.ready, p.ready || p.status !== null ? undefined : p.detail);
      if (p.ready) return true;
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
  const timed = async (name: SmokeCheck['name'], fn: () => Promise<{ ok: boolean; detail: string; warn?: boolean }>) => {
    if (signal.aborted) return;
    const t0 = performance.now();
    try {
      const r = await fn();
      emit({ name, ok: r.ok, ms: performance.now() - t0, detail: r.detail, ...(r.warn ? { warn: true } : {}) });
    } catch (e) {
      emit({ name, ok: false, ms: performance.now() - t0, detail: signal.aborted ? 'aborted' : e instanceof ReadLimitError ? e.message : `${(e as Error).message} — is the server reachable at ${base}?` });
    }
  };

  await timed('ready', async () => {
    const p = await probeHealth(base, apiKey, signal);
    return { ok: p.ready, detail: p.detail };
  });
  // A server that is not ready (or not answering) fails the rest too, each after its own time
  // limit: stop here, the views show the other checks as not run.
  if (!checks[0]?.ok) return checks;

  await timed('models', async () => {
    const r = await getJson(`${base}/v1/models`, apiKey, signal, READ_LIMITS.models);
    if (r.status !== 200) return { ok: false, detail: `GET /v1/models → ${r.status}${r.status === 401 || r.status === 403 ? ': an API key is needed' : ''}` };
    const ids = modelIds(r.json);
    if (!ids) return { ok: false, detail: 'GET /v1/models did not return an OpenAI model list' };
    return ids.includes(model)
      ? { ok: true, detail: `serves ${oneLine(model, 120)}` }
      : { ok: false, detail: `model "${oneLine(model, 120)}" is not listed; the server serves: ${showIds(ids) || '(none)'}` };
  });

  await timed('chat', async () => {
    const agent: Dispatcher = new Agent({ connections: 1 });
    try {
      const u = new URL(base);
      const send = (usage: boolean) =>
        sendChat(agent, {
          origin: u.origin,
          path: `${u.pathname.replace(/\/+$/, '')}/v1/chat/completions`,
          headers: { ...chatHeaders(apiKey) },
          body: JSON.stringify({ model, messages: [{ role: 'user', content: 'Say hello in five words.' }], max_tokens: 16, stream: true, ...(usage ? { stream_options: { include_usage: true } } : {}) }),
          stream: true,
          signal,
          requestTimeoutMs: SMOKE_CHAT_TIMEOUT_MS,
          stallTimeoutMs: SMOKE_CHAT_TIMEOUT_MS / 2,
          now: () => performance.now(),
          collectGaps: false,
          maxChunks: 4 * 16 + 64,
        });
      let rec = await send(true);
      // A server that refuses the optional usage field still serves: ask once more without it
      // (the sweep does the same and counts tokens from chunks).
      const refusedUsage = rec.status === 400 && /stream_options|include_usage|extra|unrecognized|unknown|not permitted/i.test(rec.body400 ?? '');
      if (refusedUsage) rec = await send(false);
      if (!rec.ok) return { ok: false, detail: `streamed chat completion failed: ${rec.errorDetail ?? rec.errorClass}` };
      const ttft = rec.firstToken! - rec.start;
      return { ok: true, detail: `streamed ${rec.outputTokens} tokens (${rec.tokenSource}), TTFT ${Math.round(ttft)} ms, total ${Math.round(rec.end - rec.start)} ms${refusedUsage ? '; the server refuses stream_options.include_usage (asked again without it)' : ''}` };
    } finally {
      await agent.destroy().catch(() => {});
    }
  });

  await timed('metrics', async () => {
    // Optional: without metrics the sweep judges levels on client-side rules alone, and says so.
    const r = await scrapeOnce(base, 0, { apiKey, signal });
    if (!r.sample) return { ok: true, warn: true, detail: `no Prometheus metrics (${r.error}): ${NO_METRICS_NOTE}` };
    const s = r.sample;
    if (s.engine === 'unknown') return { ok: true, warn: true, detail: `${r.path}: no engine's queue or KV cache metrics recognised: ${NO_METRICS_NOTE}` };
    const f = (v: number | null, pct = false) => (v === null ? 'unknown' : pct ? `${(v * 100).toFixed(0)}%` : String(v));
    return { ok: true, detail: `${r.path}: engine ${s.engine}, running ${f(s.running)}, waiting ${f(s.waiting)}, KV cache ${f(s.kvCache, true)}` };
  });
  return checks;
}
