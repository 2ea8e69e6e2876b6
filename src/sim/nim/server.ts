// The simulated NIM: a real HTTP server (node:http) speaking NIM's OpenAI-compatible API, with
// health, models, completions (streaming and not), Prometheus metrics, fault injection and
// admission control. Timing comes from engine.ts; formats from format.ts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchingEngine, FixedTimingEngine, type Engine, type FixedTimingExtras, type Job } from './engine.ts';
import { StreamFormat, completionBody, errorBody, tokenText, type Kind, type Usage } from './format.ts';
import { pickFault, validateFault, type FaultKind, type FaultSpec } from './faults.ts';
import { ServedTiming } from './served-timing.ts';
import { ExtrasEngine } from './extras.ts';
import { NimMetrics } from './metrics.ts';
import { getProfile, type NimProfile } from './profiles.ts';
import { parseGenRequest, type GenRequest } from './request.ts';
import { outputLength } from './tokens.ts';
import { createRng } from '../../core/rng.ts';
import { healthPaths, isDialect, metricsPaths, renderDialectMetrics, type Dialect } from './dialects.ts';

export interface SimNimOptions {
  /** 0 (default) = an ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Profile id or a full profile; default a10-llama-3.1-8b. */
  profile?: string | NimProfile;
  /** Model id served; default the profile's. */
  model?: string;
  /** /v1/health/ready answers 503 for this long after listening (default 0), unless setReady. */
  startupDelayMs?: number;
  /** Overrides of the profile. */
  maxNumSeqs?: number;
  kvCacheTokens?: number;
  /** Admission control: a request finding this many already waiting gets 429. Default unlimited. */
  maxQueue?: number;
  /** Seeds each request's natural output length. Default 1. */
  seed?: number;
  /** max_tokens when a request gives none. Default 256. */
  defaultMaxTokens?: number;
  /**
   * Deterministic mode: every request gets its first token ttftMs after arrival and one more every
   * itlMs (absolute deadlines), unlimited slots, no KV gating. These are the true values a client's
   * TTFT/ITL should match.
   */
  deterministic?: { ttftMs: number; itlMs: number } & FixedTimingExtras;
  /**
   * Overload recovery and slow leak (FixedTimingExtras), for either engine: the deterministic one
   * applies them itself, the batching one through src/sim/nim/extras.ts. The same fields inside
   * `deterministic` are the older spelling and still work.
   */
  overload?: FixedTimingExtras['overload'];
  leak?: FixedTimingExtras['leak'];
  faults?: FaultSpec[];
  /**
   * Which engine's health path and metric names to speak (default 'nim'): 'vllm', 'sglang', 'tgi',
   * 'llamacpp' answer /health and their own /metrics names; 'none' has neither (models + chat only).
   */
  dialect?: Dialect;
}

export interface SimStats {
  ready: boolean;
  running: number;
  waiting: number;
  /** Finished normally (stop or length). */
  completed: number;
  /** Generation requests accepted past validation (the fault counter's n). */
  requests: number;
  /** Client went away before the end. */
  cancelled: number;
  /** 429 from a full queue (maxQueue). */
  rejectedQueueFull: number;
  faultsInjected: Record<FaultKind, number>;
  kvUsage: number;
  kvReservedTokens: number;
  kvCapacityTokens: number;
  maxRunningSeen: number;
  maxWaitingSeen: number;
  promptTokensTotal: number;
  generationTokensTotal: number;
  /** Event-loop lateness of the engine's timers, ms: how far the server itself missed its schedule. */
  timerLagMaxMs: number;
  timerLagMeanMs: number;
}

export interface SimNimHandle {
  /** http://127.0.0.1:PORT, without /v1. */
  url: string;
  port: number;
  setReady(ready: boolean): Promise<void> | void;
  close(): Promise<void>;
  stats(): Promise<SimStats> | SimStats;
}

const MAX_BODY = 16 * 1024 * 1024;

/**
 * One SSE event of a streaming response, framed as an HTTP/1.1 chunk and handed to the socket in
 * a single write (the hot path: one call per token). Same bytes as res.write, which would queue
 * four pieces (size, CRLF, data, CRLF) and an uncork per call. Falls back to res.write whenever
 * the response is not in the plain state this relies on: headers out, chunked, nothing buffered.
 */
function writeChunk(res: http.ServerResponse, s: string): void {
  const r = res as http.ServerResponse & { chunkedEncoding?: boolean; outputData?: unknown[] };
  const sock = res.socket;
  if (sock && !sock.destroyed && res.headersSent && !res.writableEnded && r.chunkedEncoding === true && r.outputData?.length === 0) {
    sock.write(`${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`);
  } else res.write(s);
}

export function validateOptions(o: SimNimOptions): void {
  const posInt = (v: number | undefined, name: string, min = 1) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= min)) throw new Error(`sim option ${name} must be an integer ≥ ${min}, got ${v}`);
  };
  if (typeof o.profile === 'string') getProfile(o.profile);
  posInt(o.port, 'port', 0);
  posInt(o.maxNumSeqs, 'maxNumSeqs');
  posInt(o.kvCacheTokens, 'kvCacheTokens');
  posInt(o.maxQueue, 'maxQueue', 0);
  posInt(o.defaultMaxTokens, 'defaultMaxTokens');
  posInt(o.seed, 'seed', 0);
  if (o.startupDelayMs !== undefined && !(o.startupDelayMs >= 0)) throw new Error(`sim option startupDelayMs must be ≥ 0`);
  if (o.deterministic && !(o.deterministic.ttftMs >= 0 && o.deterministic.itlMs >= 0)) {
    throw new Error(`sim deterministic ttftMs and itlMs must be ≥ 0`);
  }
  const ov = o.overload ?? o.deterministic?.overload;
  if (ov && !(Number.isInteger(ov.aboveRunning) && ov.aboveRunning >= 0 && ov.penaltyMs >= 0 && ov.recoveryMs >= 0)) throw new Error('sim overload needs aboveRunning (integer ≥ 0), penaltyMs ≥ 0 and recoveryMs ≥ 0');
  const lk = o.leak ?? o.deterministic?.leak;
  if (lk && !((lk.ttftMsPerMin ?? 0) >= 0 && (lk.kvTokensPerRequest ?? 0) >= 0)) throw new Error('sim leak rates must be ≥ 0');
  for (const f of o.faults ?? []) validateFault(f);
  if (o.dialect !== undefined && !isDialect(o.dialect)) throw new Error(`sim option dialect must be one of nim, vllm, vllm-old, sglang, tgi, llamacpp, llamacpp-old, none, got ${o.dialect}`);
}

export async function startSimNim(opts: SimNimOptions = {}): Promise<SimNimHandle> {
  validateOptions(opts);
  const base = typeof opts.profile === 'object' ? opts.profile : getProfile(opts.profile);
  const profile: NimProfile = {
    ...base,
    maxNumSeqs: opts.maxNumSeqs ?? base.maxNumSeqs,
    kvCacheTokens: opts.kvCacheTokens ?? base.kvCacheTokens,
  };
  const model = opts.model ?? profile.model;
  const seed = opts.seed ?? 1;
  const faults = opts.faults ?? [];
  const det = opts.deterministic;
  const metrics = new NimMetrics({ lateness: !!det });
  const served = det ? new ServedTiming() : null;
  const extras: FixedTimingExtras = { overload: opts.overload ?? det?.overload, leak: opts.leak ?? det?.leak };
  const batching = det ? null : new BatchingEngine(profile, { maxQueue: opts.maxQueue });
  const engine: Engine = det
    ? new FixedTimingEngine({ ttftMs: det.ttftMs, itlMs: det.itlMs, kvCapacityTokens: profile.kvCacheTokens }, undefined, (ms) => metrics.lateness!.observe(ms / 1000), extras)
    : extras.overload || extras.leak
      ? new ExtrasEngine(batching!, extras)
      : batching!;
  const limits = {
    model,
    maxModelLen: profile.maxModelLen,
    kvCacheTokens: det ? Infinity : profile.kvCacheTokens,
    defaultMaxTokens: opts.defaultMaxTokens ?? 256,
  };
  const counts = { completed: 0, requests: 0, cancelled: 0, rejectedQueueFull: 0 };
  const faultsInjected: Record<FaultKind, number> = { '429': 0, '500': 0, reset: 0, stall: 0, malformed: 0 };
  const open = new Set<http.ServerResponse>();
  let ready = !(opts.startupDelayMs && opts.startupDelayMs > 0);
  let readyTimer: NodeJS.Timeout | null = ready ? null : setTimeout(() => ((ready = true), (readyTimer = null)), opts.startupDelayMs);
  let closing = false;

  const sendJson = (res: http.ServerResponse, status: number, body: string, headers: http.OutgoingHttpHeaders = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
    res.end(body);
  };
  const sendError = (res: http.ServerResponse, status: number, msg: string, param: string | null = null, headers: http.OutgoingHttpHeaders = {}) =>
    sendJson(res, status, errorBody(status, msg, param), headers);

  const dialect: Dialect = opts.dialect ?? 'nim';
  const health = healthPaths(dialect);
  const metricPaths = new Set(metricsPaths(dialect));
  function metricsText(): string {
    const s = engine.stats();
    if (dialect !== 'nim' && dialect !== 'none') {
      return renderDialectMetrics(dialect, model, { running: s.running, waiting: s.waiting, kvUsage: s.kvUsage, promptTokens: metrics.promptTokens, generationTokens: metrics.generationTokens });
    }
    return metrics.render(model, { running: s.running, waiting: s.waiting, maxNumSeqs: det ? 0 : profile.maxNumSeqs, kvUsage: s.kvUsage });
  }

  function generate(kind: Kind, r: GenRequest, res: http.ServerResponse): void {
    const n = counts.requests++;
    const fault = pickFault(faults, n);
    if (fault?.kind === '429') {
      faultsInjected['429']++;
      return sendError(res, 429, 'simulated rate limit (fault injection): retry later', null, { 'retry-after': String(fault.retryAfterS ?? 1) });
    }
    if (fault?.kind === '500') {
      faultsInjected['500']++;
      return sendError(res, 500, 'simulated internal server error (fault injection)');
    }
    const draw = createRng((seed * 0x9e3779b1 + n * 0x85ebca6b) >>> 0)();
    const out = outputLength({ maxTokens: r.maxTokens, minTokens: r.minTokens, ignoreEos: r.ignoreEos, draw });
    const created = Math.floor(Date.now() / 1000);
    const id = `${kind === 'chat' ? 'chatcmpl' : 'cmpl'}-sim${n}`;
    const fmt = new StreamFormat(kind, id, model, created);
    const faultAt = fault ? Math.min(fault.afterTokens ?? 3, out.tokens - 1) : -1;
    const usage = (): Usage => ({ prompt_tokens: r.promptTokens, completion_tokens: out.tokens, total_tokens: r.promptTokens + out.tokens });
    const words: string[] | null = r.stream ? null : [];
    let ended = false; // the engine no longer drives this job
    let ttftMs = 0;
    let lastWrite = 0;

    const job: Job = {
      promptTokens: r.promptTokens,
      maxTokens: r.maxTokens,
      outputTokens: out.tokens,
      arrival: performance.now(),
      emit(index, now) {
        if (index === 0) {
          ttftMs = now - job.arrival;
          metrics.promptTokens += r.promptTokens;
        }
        metrics.generationTokens++;
        if (index === faultAt && fault) {
          faultsInjected[fault.kind]++;
          if (fault.kind === 'reset') {
            ended = true;
            engine.cancel(job);
            res.socket?.destroy();
            return;
          }
          if (fault.kind === 'stall') {
            ended = true; // keep the socket open, send nothing more; close() or the client ends it
            engine.cancel(job);
            return;
          }
          if (fault.kind === 'malformed') {
            if (r.stream) res.write(fmt.malformed());
            else {
              ended = true;
              engine.cancel(job);
              res.writeHead(200, { 'content-type': 'application/json' });
              res.end(`{"id":"${id}","object":"chat.completion","choices":[{"index":0,"message":{"content":"trunc`);
              return;
            }
          }
        }
        const text = tokenText(n, index);
        if (words) words.push(text);
        else {
          writeChunk(res, fmt.token(text));
          if (served) {
            const t = performance.now(); // after the write: when the bytes left for the client
            if (index === 0) served.firstToken(t - job.arrival);
            else served.gap(t - lastWrite);
            lastWrite = t;
          }
        }
      },
      finish(now) {
        ended = true;
        counts.completed++;
        metrics.finished({ promptTokens: r.promptTokens, outputTokens: out.tokens, ttftMs, e2eMs: now - job.arrival, reason: out.finishReason });
        if (words) {
          sendJson(res, 200, JSON.stringify(completionBody(kind, id, model, created, words.join(''), out.finishReason, usage())));
          return;
        }
        let tail = fmt.finish(out.finishReason);
        if (r.includeUsage) tail += fmt.usage(usage());
        res.end(tail + StreamFormat.DONE);
      },
    };

    const admitted = engine.submit(job);
    if (admitted === 'queue-full') {
      counts.rejectedQueueFull++;
      return sendError(res, 429, `server queue is full (${opts.maxQueue} waiting): retry later`, null, { 'retry-after': '1' });
    }
    open.add(res);
    res.on('close', () => {
      open.delete(res);
      if (!ended) {
        ended = true;
        counts.cancelled++;
        engine.cancel(job);
      }
    });
    if (r.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
      // Sent at once, before any token: a client that takes it for the first token under-reports TTFT.
      if (kind === 'chat') res.write(fmt.role());
      else res.flushHeaders();
    }
  }

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    const gen: Kind | null = path === '/v1/chat/completions' ? 'chat' : path === '/v1/completions' ? 'completion' : null;
    if (gen) {
      if (method !== 'POST') return sendError(res, 405, `${method} ${path} is not allowed: use POST`);
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_BODY) chunks.push(c);
      });
      req.on('end', () => {
        if (closing) return sendError(res, 503, 'server is shutting down');
        if (size > MAX_BODY) return sendError(res, 413, `request body over ${MAX_BODY} bytes`);
        if (!ready) return sendError(res, 503, 'model is not ready yet: poll GET /v1/health/ready until it answers 200');
        const parsed = parseGenRequest(gen, Buffer.concat(chunks).toString('utf8'), limits);
        if (!parsed.ok) return sendError(res, parsed.status, parsed.message, parsed.param ?? null);
        generate(gen, parsed.req, res);
      });
      return;
    }
    if (path === '/sim/served-timing' || path === '/sim/served-timing/reset') {
      if (!served) return sendError(res, 404, `${path} exists in deterministic mode only (nimble sim --deterministic)`);
      if (path.endsWith('/reset')) {
        if (method !== 'POST') return sendError(res, 405, `${method} ${path} is not allowed: use POST`);
        served.reset();
        return sendJson(res, 200, '{"reset":true}');
      }
      if (method !== 'GET') return sendError(res, 405, `${method} ${path} is not allowed: use GET`);
      return sendJson(res, 200, JSON.stringify(served.snapshot()));
    }
    if (method !== 'GET' && method !== 'HEAD') return sendError(res, 405, `${method} ${path} is not allowed: use GET`);
    if (path === health.live) return sendJson(res, 200, JSON.stringify({ object: 'health-response', message: 'Service is live.' }));
    if (path === health.ready) {
      return ready
        ? sendJson(res, 200, JSON.stringify({ object: 'health-response', message: 'Service is ready.' }))
        : sendJson(res, 503, JSON.stringify({ object: 'health-response', message: 'Service is not ready.' }));
    }
    if (metricPaths.has(path)) {
      const body = metricsText();
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      return res.end(body);
    }
    switch (path) {
      case '/v1/models':
        return sendJson(
          res,
          200,
          JSON.stringify({
            object: 'list',
            data: [
              { id: model, object: 'model', created: 0, owned_by: 'meta', root: model, parent: null, max_model_len: profile.maxModelLen, permission: [] },
            ],
          }),
        );
      default:
        return sendError(res, 404, `not found: ${method} ${path} (the simulator serves /v1/health/{live,ready}, /v1/models, /v1/chat/completions, /v1/completions, /v1/metrics)`);
    }
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // A deep accept backlog: load tests open thousands of connections at once.
    server.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1', backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? '127.0.0.1';
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

  const stats = (): SimStats => {
    const e = engine.stats();
    return {
      ready,
      running: e.running,
      waiting: e.waiting,
      ...counts,
      faultsInjected: { ...faultsInjected },
      kvUsage: e.kvUsage,
      kvReservedTokens: e.kvReservedTokens,
      kvCapacityTokens: e.kvCapacityTokens,
      maxRunningSeen: e.maxRunningSeen,
      maxWaitingSeen: e.maxWaitingSeen,
      promptTokensTotal: metrics.promptTokens,
      generationTokensTotal: metrics.generationTokens,
      timerLagMaxMs: e.timerLagMaxMs,
      timerLagMeanMs: e.timerLagMeanMs,
    };
  };

  let closed: Promise<void> | null = null;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    setReady(r: boolean) {
      if (readyTimer) clearTimeout(readyTimer);
      readyTimer = null;
      ready = r;
    },
    stats,
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        if (readyTimer) clearTimeout(readyTimer);
        engine.close();
        server.close(() => resolve());
        // Open streams (stalled ones included) end now; idle keep-alive sockets too.
        for (const res of open) res.socket?.destroy();
        open.clear();
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
